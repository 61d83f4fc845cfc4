import { readFileSync } from 'node:fs';
import jwt from 'jsonwebtoken';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jwkThumbprint } from '../src/domain/jwk-thumbprint.ts';
import { API, bearer, expectError, makeKeyFiles, startTestApp, type TestApp } from './helpers.ts';

// The previous signing key: its public half is still published and accepted after rotation.
const previous = makeKeyFiles();
let t: TestApp;
beforeAll(async () => { t = await startTestApp({}, { verifyKeyFiles: [previous.publicFile] }); });
afterAll(() => t?.stop());

describe('GET /public/auth/.well-known/jwks.json', () => {
  it('serves a raw JWK Set with every verification key, kids as RFC 7638 thumbprints, cacheable', async () => {
    const res = await request(t.app).get(`${API}/public/auth/.well-known/jwks.json`);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(res.headers['cache-control']).toMatch(/max-age=300/);
    expect(res.body.success).toBeUndefined();
    expect(res.body.keys).toHaveLength(2);
    for (const key of res.body.keys) {
      expect(key).toEqual({ kty: 'RSA', n: expect.any(String), e: 'AQAB', kid: jwkThumbprint(key), alg: 'RS256', use: 'sig' });
    }
    expect(res.body.keys[0].kid).toBe(t.keys.active.kid);
    expect(JSON.stringify(res.body)).not.toMatch(/"d"|"p"|"q"/);
  });

  it('lets a token signed with the previous key through, so rotation signs nobody out', async () => {
    const u = await t.register();
    const previousKid = [...t.keys.verification.keys()][1]!;
    const old = jwt.sign({ role: 'user', sid: u.sessionId }, readFileSync(previous.privateFile, 'utf8'),
      { algorithm: 'RS256', keyid: previousKid, issuer: 'platform-auth', subject: u.userId, expiresIn: 300 });
    expect((await request(t.app).get(`${API}/auth/sessions`).set('authorization', bearer(old))).status).toBe(200);
  });

  it('refuses tokens with an unknown kid, another issuer, alg none or HS256', async () => {
    const u = await t.register();
    const claims = { role: 'user', sid: u.sessionId };
    const base = { issuer: 'platform-auth', subject: u.userId, expiresIn: 300 } as const;
    const tokens = [
      jwt.sign(claims, t.keys.active.privateKey, { ...base, algorithm: 'RS256', keyid: 'unknown-kid' }),
      jwt.sign(claims, t.keys.active.privateKey, { ...base, algorithm: 'RS256', keyid: t.keys.active.kid, issuer: 'someone-else' }),
      jwt.sign(claims, '', { ...base, algorithm: 'none', keyid: t.keys.active.kid } as jwt.SignOptions),
      jwt.sign(claims, 'a-shared-secret-of-enough-length', { ...base, algorithm: 'HS256', keyid: t.keys.active.kid }),
      u.accessToken.slice(0, -4) + 'AAAA',
    ];
    for (const token of tokens) expectError(await request(t.app).get(`${API}/auth/sessions`).set('authorization', bearer(token)), 401, 'AUTH_001');
  });
});

describe('health', () => {
  it('serves /health, /live, /ready with each dependency, and /metrics', async () => {
    expect((await request(t.app).get(`${API}/health`)).body.data).toMatchObject({ status: 'ok', service: 'auth' });
    expect((await request(t.app).get(`${API}/live`)).status).toBe(200);
    const ready = await request(t.app).get(`${API}/ready`);
    expect(ready.status).toBe(200);
    expect(ready.body.data.checks.map((c: { name: string; status: string }) => [c.name, c.status])).toEqual([['postgres', 'up'], ['redis', 'up']]);
    const metrics = await request(t.app).get(`${API}/metrics`);
    expect(metrics.text).toContain('http_request_duration_seconds');
  });

  it('answers an unknown route with the BIZ_001 envelope', async () => {
    expectError(await request(t.app).get(`${API}/public/auth/nothing-here`), 404, 'BIZ_001');
  });
});

describe('GET /public/info and /public/version', () => {
  it('tells clients the version and where the keys and token endpoint are', async () => {
    const version = await request(t.app).get(`${API}/public/version`);
    expect(version.status).toBe(200);
    expect(version.body.data).toMatchObject({ version: expect.stringMatching(/^\d+\.\d+\.\d+/), api: 'v1' });
    const info = await request(t.app).get(`${API}/public/info`);
    expect(info.body.data).toMatchObject({
      name: 'platform',
      auth: { issuer: 'platform-auth', jwks_uri: '/public/auth/.well-known/jwks.json', token_endpoint: '/public/auth/token' },
    });
  });
});
