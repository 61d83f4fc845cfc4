import { generateKeyPairSync, randomUUID, type KeyObject } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express, { type Express } from 'express';
import { Redis } from 'ioredis';
import jwt from 'jsonwebtoken';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { authenticate, createGuards, requireRole, requireUser, revocationKeys, type Actor } from '@platform/shared/auth';
import { errorMiddleware } from '@platform/shared/http';
import { createLogger } from '@platform/shared/logger';
import { testPrefix } from '@platform/shared/testing';

const ISSUER = 'https://auth.platform.test';
const logger = createLogger({ service: 'auth-middleware-test', silent: true });

const rsa = () => generateKeyPairSync('rsa', { modulusLength: 2048 });
const signing = rsa(); // published in the JWKS as kid k1
const stranger = rsa(); // never published

let jwksServer: Server;
let jwksUrl: string;
let jwksHits = 0;
let redis: Redis;
let app: Express;
const prefix = testPrefix('auth');

const now = () => Math.floor(Date.now() / 1000);

type Claims = Record<string, unknown>;
// An override of undefined removes the claim.
const baseClaims = (overrides: Claims = {}): Claims => Object.fromEntries(Object.entries({
  iss: ISSUER, sub: `${prefix}-${randomUUID()}`, role: 'user', sid: randomUUID(), jti: randomUUID(),
  iat: now(), exp: now() + 900, ...overrides,
}).filter(([, v]) => v !== undefined));

function sign(claims: Claims, { key = signing.privateKey, kid = 'k1' as string | null, alg = 'RS256' as jwt.Algorithm } = {}): string {
  return jwt.sign(claims, key, { algorithm: alg, ...(kid !== null && { keyid: kid }) });
}

// Builds a token by hand, for headers jsonwebtoken refuses to produce.
const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
const rawToken = (header: unknown, claims: Claims, signature = '') => `${b64(header)}.${b64(claims)}.${signature}`;

function buildApp(options: Partial<Parameters<typeof authenticate>[0]> = {}): Express {
  const a = express();
  a.use(authenticate({ issuer: ISSUER, jwksUrl, redis, ...options }));
  a.get('/me', (req, res) => { res.json(req.actor ?? null); });
  a.get('/admin', requireRole('admin'), (_req, res) => { res.json({ ok: true }); });
  a.get('/profile', requireUser(), (_req, res) => { res.json({ ok: true }); });
  a.use(errorMiddleware(logger));
  return a;
}

const call = (token: string | undefined, path = '/me', target: Express = app) => {
  const r = request(target).get(path);
  return token === undefined ? r : r.set('authorization', `Bearer ${token}`);
};

function expectError(res: request.Response, status: number, code: string, message?: string) {
  expect(res.status).toBe(status);
  expect(res.body).toMatchObject({ success: false, status_code: status, data: null, error: { code, ...(message && { message }) } });
}

beforeAll(async () => {
  const jwk = { ...(signing.publicKey as KeyObject).export({ format: 'jwk' }), kid: 'k1', alg: 'RS256', use: 'sig' };
  jwksServer = createServer((_req, res) => {
    jwksHits++;
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: [jwk] }));
  });
  await new Promise<void>((r) => jwksServer.listen(0, '127.0.0.1', r));
  jwksUrl = `http://127.0.0.1:${(jwksServer.address() as AddressInfo).port}/api/v1/public/auth/.well-known/jwks.json`;
  redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', { maxRetriesPerRequest: 1 });
  app = buildApp();
});

afterAll(async () => {
  const keys = await redis.keys(`revoked:*:${prefix}-*`);
  if (keys.length) await redis.del(...keys);
  redis.disconnect();
  await new Promise((r) => jwksServer.close(r));
});

describe('authenticate', () => {
  it('sets req.actor from a valid token', async () => {
    const claims = baseClaims({ role: 'admin' });
    const res = await call(sign(claims));
    expect(res.status).toBe(200);
    const expected: Record<keyof Actor, unknown> = {
      id: claims.sub, role: 'admin', type: 'user', sid: claims.sid, jti: claims.jti, iat: claims.iat, exp: claims.exp,
    };
    expect(res.body).toEqual(expected);
  });

  it('marks service accounts as type service', async () => {
    const res = await call(sign(baseClaims({ role: 'service', sid: undefined })));
    expect(res.body).toMatchObject({ role: 'service', type: 'service' });
    expect(res.body.sid).toBeUndefined();
  });

  it('fetches the JWKS once and reuses the parsed key', async () => {
    const before = jwksHits;
    for (let i = 0; i < 10; i++) expect((await call(sign(baseClaims()))).status).toBe(200);
    expect(jwksHits - before).toBe(0);
    expect(jwksHits).toBe(1);
  });

  it('rejects a request without a token, or with another scheme', async () => {
    expectError(await call(undefined), 401, 'AUTH_001', 'Missing bearer token');
    expectError(await request(app).get('/me').set('authorization', 'Basic dXNlcjpwYXNz'), 401, 'AUTH_001', 'Authorization header must be "Bearer <token>"');
    expectError(await call('not-a-jwt'), 401, 'AUTH_001', 'Malformed token');
  });

  it('lets anonymous requests through when not required, but still rejects a bad token', async () => {
    const optional = buildApp({ required: false });
    const res = await call(undefined, '/me', optional);
    expect(res.status).toBe(200);
    expect(res.body).toBeNull();
    expectError(await call('x.y.z', '/me', optional), 401, 'AUTH_001');
  });

  it('answers AUTH_002 for an expired token', async () => {
    const res = await call(sign(baseClaims({ iat: now() - 1000, exp: now() - 60 })));
    expectError(res, 401, 'AUTH_002', 'Token has expired');
    expect(res.headers['www-authenticate']).toContain('invalid_token');
  });

  it('rejects a token without exp (jsonwebtoken alone would accept it)', async () => {
    expectError(await call(sign(baseClaims({ exp: undefined }))), 401, 'AUTH_001', 'Token has no expiry');
  });

  it('rejects a token from another issuer', async () => {
    expectError(await call(sign(baseClaims({ iss: 'https://evil.example' }))), 401, 'AUTH_001', 'Token issuer is not accepted');
  });

  it('rejects alg none', async () => {
    expectError(await call(rawToken({ alg: 'none', typ: 'JWT', kid: 'k1' }, baseClaims())), 401, 'AUTH_001', 'Token algorithm is not allowed');
  });

  it('rejects HS256 signed with the public key (algorithm confusion)', async () => {
    const publicPem = (signing.publicKey as KeyObject).export({ format: 'pem', type: 'spki' }).toString();
    const header = { alg: 'HS256', typ: 'JWT', kid: 'k1' };
    const claims = baseClaims();
    const { createHmac } = await import('node:crypto');
    const signature = createHmac('sha256', publicPem).update(`${b64(header)}.${b64(claims)}`).digest('base64url');
    expectError(await call(rawToken(header, claims, signature)), 401, 'AUTH_001', 'Token algorithm is not allowed');
  });

  it('rejects other asymmetric algorithms than the pinned one', async () => {
    expectError(await call(sign(baseClaims(), { alg: 'RS512' })), 401, 'AUTH_001', 'Token algorithm is not allowed');
  });

  it('rejects a token without kid, and one signed by an unknown key', async () => {
    expectError(await call(sign(baseClaims(), { kid: null })), 401, 'AUTH_001', 'Token has no key id');
    expectError(await call(sign(baseClaims(), { key: stranger.privateKey, kid: 'k9' })), 401, 'AUTH_001', 'Token was signed with an unknown key');
  });

  it('rejects a known kid with a signature from another key, and a tampered payload', async () => {
    expectError(await call(sign(baseClaims(), { key: stranger.privateKey, kid: 'k1' })), 401, 'AUTH_001', 'Token signature is invalid');
    const [h, , s] = sign(baseClaims()).split('.');
    expectError(await call(`${h}.${b64(baseClaims({ role: 'admin' }))}.${s}`), 401, 'AUTH_001', 'Token signature is invalid');
  });

  it('rejects a token whose role is unknown', async () => {
    expectError(await call(sign(baseClaims({ role: 'root' }))), 401, 'AUTH_001', 'Token has no valid role');
  });
});

describe('revocation', () => {
  it('rejects every token of a revoked session', async () => {
    const claims = baseClaims({ sub: `${prefix}-sid-user` });
    const token = sign(claims);
    expect((await call(token)).status).toBe(200);
    await redis.set(revocationKeys.sessionKey(String(claims.sid)), '1', 'EX', 60);
    expectError(await call(token), 401, 'AUTH_001', 'Session has been revoked');
    // Another session of the same user is unaffected.
    expect((await call(sign(baseClaims({ sub: claims.sub })))).status).toBe(200);
  });

  it('rejects a user\'s tokens issued at or before the revocation time, not the ones issued after', async () => {
    const sub = `${prefix}-banned-${randomUUID()}`;
    const t = now();
    await redis.set(revocationKeys.userKey(sub), String(t), 'EX', 60);
    expectError(await call(sign(baseClaims({ sub, iat: t - 10 }))), 401, 'AUTH_001', 'Token has been revoked');
    expectError(await call(sign(baseClaims({ sub, iat: t }))), 401, 'AUTH_001', 'Token has been revoked');
    expect((await call(sign(baseClaims({ sub, iat: t + 1 })))).status).toBe(200);
  });

  it('fails closed with SYS_003 within the timeout when Redis does not answer', async () => {
    // A port where nothing listens: ioredis queues commands while it reconnects.
    const down = new Redis({ host: '127.0.0.1', port: 1, lazyConnect: true, retryStrategy: () => 200 });
    down.on('error', () => {});
    const closed = buildApp({ redis: down, revocationTimeoutMs: 200 });
    const started = performance.now();
    expectError(await call(sign(baseClaims()), '/me', closed), 503, 'SYS_003');
    expect(performance.now() - started).toBeLessThan(1_000);
    down.disconnect();
  });

  it('fails closed with SYS_003 when the JWKS cannot be fetched', async () => {
    const nowhere = buildApp({ jwksUrl: 'http://127.0.0.1:1/jwks.json' });
    expectError(await call(sign(baseClaims()), '/me', nowhere), 503, 'SYS_003');
  });
});

describe('requireRole / requireUser', () => {
  it('lets admins into admin routes and answers AUTH_003 to users', async () => {
    expect((await call(sign(baseClaims({ role: 'admin' })), '/admin')).status).toBe(200);
    expectError(await call(sign(baseClaims({ role: 'user' })), '/admin'), 403, 'AUTH_003');
  });

  it('keeps service accounts out of end-user routes', async () => {
    expect((await call(sign(baseClaims({ role: 'user' })), '/profile')).status).toBe(200);
    expectError(await call(sign(baseClaims({ role: 'service', sid: undefined })), '/profile'), 403, 'AUTH_003', 'Only end users can call this route');
  });

  it('answers AUTH_001 when no one is authenticated', async () => {
    const optional = buildApp({ required: false });
    expectError(await call(undefined, '/admin', optional), 401, 'AUTH_001', 'Authentication required');
  });
});

describe('createGuards', () => {
  function guardedApp(check: Partial<Parameters<typeof createGuards>[0]> = {}): Express {
    const guards = createGuards({ issuer: ISSUER, jwksUrl, redis, ...check });
    const a = express();
    a.get('/user', guards.user, (req, res) => { res.json({ id: req.actor?.id }); });
    a.get('/admin', guards.admin, (_req, res) => { res.json({ ok: true }); });
    a.get('/internal', guards.service, (_req, res) => { res.json({ ok: true }); });
    a.use(errorMiddleware(logger));
    return a;
  }

  it('lets end users into user routes, admins into admin routes and service accounts into internal routes only', async () => {
    const guarded = guardedApp();
    const user = sign(baseClaims({ role: 'user' }));
    const admin = sign(baseClaims({ role: 'admin' }));
    const service = sign(baseClaims({ role: 'service', sid: undefined }));
    expect((await call(user, '/user', guarded)).status).toBe(200);
    expect((await call(admin, '/user', guarded)).status).toBe(200);
    expect((await call(admin, '/admin', guarded)).status).toBe(200);
    expect((await call(service, '/internal', guarded)).status).toBe(200);
    expectError(await call(user, '/admin', guarded), 403, 'AUTH_003');
    expectError(await call(service, '/user', guarded), 403, 'AUTH_003', 'Only end users can call this route');
    expectError(await call(service, '/admin', guarded), 403, 'AUTH_003');
    expectError(await call(user, '/internal', guarded), 403, 'AUTH_003');
    expectError(await call(admin, '/internal', guarded), 403, 'AUTH_003');
  });

  it('answers AUTH_001 on every guard without a token, and honours the revocation list', async () => {
    const guarded = guardedApp();
    for (const path of ['/user', '/admin', '/internal']) expectError(await call(undefined, path, guarded), 401, 'AUTH_001');
    const claims = baseClaims({ sub: `${prefix}-guarded-${randomUUID()}` });
    await redis.set(revocationKeys.sessionKey(String(claims.sid)), '1', 'EX', 60);
    expectError(await call(sign(claims), '/user', guarded), 401, 'AUTH_001', 'Session has been revoked');
  });

  it('verifies with getKey instead of the JWKS when one is given', async () => {
    const guarded = guardedApp({ jwksUrl: 'http://127.0.0.1:1/jwks.json', getKey: async () => signing.publicKey });
    expect((await call(sign(baseClaims()), '/user', guarded)).status).toBe(200);
  });

  it('refuses to start without a key source', () => {
    expect(() => createGuards({ issuer: ISSUER, redis })).toThrow('authenticate() needs jwksUrl or getKey');
  });
});
