// The jwt plugin's cache of signature-verified tokens: a repeated token skips the signature check,
// while everything that depends on time or config still runs on every request.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Consumer, JwtSecret } from '../src/declarative/model.ts';
import { jwtPlugin } from '../src/plugins/jwt.ts';
import type { DecodedToken } from '../src/plugins/jwt/decode-token.ts';
import { createVerifiedTokens } from '../src/plugins/jwt/verified-tokens.ts';
import type * as verifyKey from '../src/plugins/jwt/verify-key.ts';
import { b64url, build, context, keyPair, nowSeconds, rejection, signToken, type Directory } from './auth-fixtures.ts';

// Counts real signature checks: the verifiers stay the real ones, wrapped.
const checks = vi.hoisted(() => ({ count: 0 }));
vi.mock('../src/plugins/jwt/verify-key.ts', async (importOriginal) => {
  const real = await importOriginal<typeof verifyKey>();
  return {
    ...real,
    buildVerifier: (...args: Parameters<typeof real.buildVerifier>) => {
      const verifier = real.buildVerifier(...args);
      return verifier && ((input: string, signature: Buffer) => {
        checks.count += 1;
        return verifier(input, signature);
      });
    },
  };
});

const bob: Consumer = { id: 'c-bob', username: 'bob', tags: [] };
const rsa = keyPair('rsa');
const rs: JwtSecret = { id: 'cred-rs', consumerId: bob.id, key: 'bob-key', algorithm: 'RS256', rsaPublicKey: rsa.publicPem };
const directory: Directory = { consumers: [bob], jwtSecrets: [rs] };
const NOW = Date.UTC(2026, 1, 15, 13, 45, 15);

const rsToken = (claims: Record<string, unknown>) => signToken({ iss: rs.key, ...claims }, { alg: 'RS256', key: rsa.privateKey });
const bearer = (token: string): [string, string][] => [['Authorization', `Bearer ${token}`]];

/** Replaces the character at `index` by another one of the base64url alphabet. */
function flip(token: string, index: number): string {
  const replacement = token[index] === 'A' ? 'B' : 'A';
  return `${token.slice(0, index)}${replacement}${token.slice(index + 1)}`;
}

async function send(plugin: ReturnType<typeof build>, token: string) {
  const ctx = context({ headers: bearer(token) });
  await plugin.access?.(ctx);
  return ctx;
}

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['Date'] });
  vi.setSystemTime(NOW);
  checks.count = 0;
});

afterEach(() => vi.useRealTimers());

describe('jwt: verified-token cache in the plugin', () => {
  it('checks the signature of a repeated token once', async () => {
    const plugin = build(jwtPlugin, { claims_to_verify: ['exp'] }, directory);
    const token = rsToken({ exp: nowSeconds() + 300 });
    for (let i = 0; i < 3; i++) expect((await send(plugin, token)).consumer).toBe(bob);
    expect(checks.count).toBe(1);
  });

  it('still says "Invalid signature" for a tampered token after the good one was cached', async () => {
    const plugin = build(jwtPlugin, {}, directory);
    const token = rsToken({ exp: nowSeconds() + 300, role: 'user' });
    expect((await send(plugin, token)).consumer).toBe(bob);

    const [header, , signature] = token.split('.') as [string, string, string];
    const tampered = [
      // One byte in the middle of the signature (not the last character, whose low bits are padding).
      flip(token, token.length - Math.floor(signature.length / 2)),
      // Claims changed, signature kept.
      `${header}.${b64url(JSON.stringify({ iss: rs.key, exp: nowSeconds() + 300, role: 'admin' }))}.${signature}`,
    ];
    for (const bad of tampered) {
      expect(await rejection(plugin, context({ headers: bearer(bad) }))).toMatchObject({ status: 401, message: 'Invalid signature' });
    }
    // The good token is still a hit; the tampered ones were checked (and refused) every time.
    expect((await send(plugin, token)).consumer).toBe(bob);
    expect(checks.count).toBe(3);
  });

  it('says "token expired" for a cached token once its exp has passed', async () => {
    const plugin = build(jwtPlugin, { claims_to_verify: ['exp'] }, directory);
    const token = rsToken({ exp: nowSeconds() + 60 });
    expect((await send(plugin, token)).consumer).toBe(bob);
    vi.setSystemTime(NOW + 60_000);
    expect(await rejection(plugin, context({ headers: bearer(token) }))).toMatchObject({
      status: 401,
      code: 'AUTH_002',
      message: 'token expired',
    });
  });

  it('runs nbf and maximum_expiration on every request, hit or not', async () => {
    const plugin = build(jwtPlugin, { claims_to_verify: ['exp', 'nbf'], maximum_expiration: 600 }, directory);
    const notYet = rsToken({ exp: nowSeconds() + 300, nbf: nowSeconds() + 30 });
    for (let i = 0; i < 2; i++) {
      expect((await rejection(plugin, context({ headers: bearer(notYet) }))).message).toBe('token not valid yet');
    }
    vi.setSystemTime(NOW + 31_000);
    expect((await send(plugin, notYet)).consumer).toBe(bob);
    expect(checks.count).toBe(1);

    const tooLong = rsToken({ exp: nowSeconds() + 3600, nbf: nowSeconds() });
    for (let i = 0; i < 2; i++) {
      expect((await rejection(plugin, context({ headers: bearer(tooLong) }))).message).toBe('exceeds maximum allowed expiration');
    }
  });

  it('keeps the cache per plugin instance: another instance verifies on its own', async () => {
    const token = rsToken({ exp: nowSeconds() + 300 });
    await send(build(jwtPlugin, {}, directory), token);
    await send(build(jwtPlugin, {}, directory), token);
    expect(checks.count).toBe(2);
  });
});

describe('verified-token cache', () => {
  const decoded = (exp: unknown): DecodedToken => ({
    header: { alg: 'RS256' },
    claims: { iss: rs.key, exp },
    alg: 'RS256',
    signingInput: 'h.c',
    signature: Buffer.alloc(0),
  });
  const now = 1_000;

  it('is bounded, dropping the least recently used token', () => {
    const cache = createVerifiedTokens(3);
    for (const raw of ['a', 'b', 'c']) cache.remember(raw, decoded(now + 60), rs, now);
    expect(cache.get('a', now)).toBeDefined(); // a is now the most recent
    cache.remember('d', decoded(now + 60), rs, now);
    expect(cache.size).toBe(3);
    expect(cache.get('b', now)).toBeUndefined();
    for (const raw of ['a', 'c', 'd']) expect(cache.get(raw, now)?.secret).toBe(rs);
  });

  it('never keeps an entry past the token exp, nor a token without a numeric future exp', () => {
    const cache = createVerifiedTokens();
    cache.remember('t', decoded(now + 10), rs, now);
    expect(cache.get('t', now + 9)).toBeDefined();
    expect(cache.get('t', now + 10)).toBeUndefined();
    expect(cache.size).toBe(0);
    for (const exp of [undefined, String(now + 60), now, now - 1]) cache.remember('x', decoded(exp), rs, now);
    expect(cache.size).toBe(0);
  });

  it('is keyed by the exact token string', () => {
    const cache = createVerifiedTokens();
    cache.remember('abc.def.ghi', decoded(now + 60), rs, now);
    expect(cache.get('abc.def.ghj', now)).toBeUndefined();
    expect(cache.get('abc.def.gh', now)).toBeUndefined();
    expect(cache.get('abc.def.ghi', now)).toBeDefined();
  });
});
