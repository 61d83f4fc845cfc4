import { describe, expect, it } from 'vitest';
import { openForToken, sealForToken } from '../src/domain/grace-seal.ts';
import { jwkThumbprint } from '../src/domain/jwk-thumbprint.ts';
import { generateOpaqueToken, hashToken, looksLikeOpaqueToken } from '../src/domain/opaque-token.ts';
import { isSessionActive, isWithinGrace } from '../src/domain/session.ts';

describe('opaque tokens', () => {
  it('are 32 random bytes in base64url and never repeat', () => {
    const a = generateOpaqueToken();
    expect(a).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(Buffer.from(a, 'base64url')).toHaveLength(32);
    expect(generateOpaqueToken()).not.toBe(a);
    expect(looksLikeOpaqueToken(a)).toBe(true);
    expect(looksLikeOpaqueToken(`${a}x`)).toBe(false);
    expect(looksLikeOpaqueToken('not a token')).toBe(false);
  });

  it('are stored as a sha256 digest that is stable and differs per token', () => {
    const t = generateOpaqueToken();
    expect(hashToken(t)).toHaveLength(32);
    expect(hashToken(t).equals(hashToken(t))).toBe(true);
    expect(hashToken(t).equals(hashToken(generateOpaqueToken()))).toBe(false);
    expect(hashToken('abc').toString('hex')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });
});

describe('grace seal', () => {
  const pair = JSON.stringify({ access_token: 'a.b.c', refresh_token: 'r', expires_in: 900 });

  it('opens only with the token it was sealed for', () => {
    const token = generateOpaqueToken();
    const sealed = sealForToken(token, pair);
    expect(sealed).not.toContain('a.b.c');
    expect(openForToken(token, sealed)).toBe(pair);
    expect(openForToken(generateOpaqueToken(), sealed)).toBeNull();
  });

  it('refuses a tampered or truncated blob', () => {
    const token = generateOpaqueToken();
    const raw = Buffer.from(sealForToken(token, pair), 'base64url');
    raw[raw.length - 1]! ^= 1;
    expect(openForToken(token, raw.toString('base64url'))).toBeNull();
    expect(openForToken(token, 'AAAA')).toBeNull();
  });

  it('uses a fresh IV each time', () => {
    const token = generateOpaqueToken();
    expect(sealForToken(token, pair)).not.toBe(sealForToken(token, pair));
  });
});

describe('jwkThumbprint', () => {
  it('matches the RFC 7638 §3.1 example', () => {
    const jwk = {
      kty: 'RSA',
      n: '0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw',
      e: 'AQAB',
      alg: 'RS256',
      kid: '2011-04-29',
    };
    expect(jwkThumbprint(jwk)).toBe('NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs');
  });

  it('ignores optional members and refuses unknown key types', () => {
    expect(jwkThumbprint({ kty: 'OKP', crv: 'Ed25519', x: 'abc', use: 'sig' })).toBe(jwkThumbprint({ x: 'abc', crv: 'Ed25519', kty: 'OKP' }));
    expect(() => jwkThumbprint({ kty: 'oct', k: 'x' })).toThrow(/Unsupported key type/);
  });
});

describe('session rules', () => {
  const now = new Date('2025-01-01T00:00:10Z');
  it('treats a reuse within the grace window as a retry', () => {
    expect(isWithinGrace(new Date('2025-01-01T00:00:00Z'), now, 10)).toBe(true);
    expect(isWithinGrace(new Date('2025-01-01T00:00:00Z'), now, 9)).toBe(false);
    expect(isWithinGrace(new Date('2025-01-01T00:00:05Z'), now, 0)).toBe(false);
  });
  it('knows an active session', () => {
    expect(isSessionActive({ revokedAt: null, expiresAt: new Date('2025-01-02') }, now)).toBe(true);
    expect(isSessionActive({ revokedAt: now, expiresAt: new Date('2025-01-02') }, now)).toBe(false);
    expect(isSessionActive({ revokedAt: null, expiresAt: now }, now)).toBe(false);
  });
});
