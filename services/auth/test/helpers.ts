import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Express } from 'express';
import type { Redis } from 'ioredis';
import request from 'supertest';
import { expect } from 'vitest';
import { createLogger } from '@platform/shared/logger';
import { createTestDatabase, testPrefix, type TestDatabase } from '@platform/shared/testing';
import { buildApp } from '../src/app.ts';
import { loadAuthConfig, type AuthConfig } from '../src/config.ts';
import { createRedisClient, redisReady } from '@platform/shared/redis';
import { loadSigningKeys, type SigningKeys } from '../src/infra/signing-keys.ts';
import type { AuthDeps } from '../src/usecases/deps.ts';
import { createAuthDeps } from '../src/wiring.ts';

export const API = '/api/v1';
export const STRONG_PASSWORD = 'correct horse battery staple';

/** A throwaway RS256 key pair written as PEM files, like the ones production mounts. */
export function makeKeyFiles(): { privateFile: string; publicFile: string; privatePem: string } {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const dir = mkdtempSync(join(tmpdir(), 'auth-keys-'));
  const privatePem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  const privateFile = join(dir, 'private.pem');
  const publicFile = join(dir, 'public.pem');
  writeFileSync(privateFile, privatePem);
  writeFileSync(publicFile, publicKey.export({ type: 'spki', format: 'pem' }).toString());
  return { privateFile, publicFile, privatePem };
}

export type TestApp = {
  app: Express;
  db: TestDatabase;
  redis: Redis;
  deps: AuthDeps;
  keys: SigningKeys;
  config: AuthConfig;
  prefix: string;
  /** A unique email for this file and call. */
  email(label?: string): string;
  /** A unique client IP (sent as X-Forwarded-For, which the app trusts from loopback), so lockout keys never collide. */
  ip(): string;
  rows<T = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<T[]>;
  /** Every row of the tables a request may change (audit log aside), to assert that a refused request changed nothing. */
  snapshot(): Promise<unknown>;
  outbox(type?: string): Promise<{ type: string; envelope: { id: string; type: string; subject?: string; data: Record<string, unknown> } }[]>;
  register(opts?: { email?: string; password?: string; displayName?: string; ip?: string }): Promise<Registered>;
  stop(): Promise<void>;
};

export type Registered = {
  email: string;
  password: string;
  userId: string;
  accessToken: string;
  refreshToken: string;
  sessionId: string;
};

const SNAPSHOT_TABLES = ['users', 'sessions', 'refresh_tokens', 'one_time_tokens', 'service_accounts', 'outbox'];

export async function startTestApp(env: Record<string, string> = {}, extra: { verifyKeyFiles?: string[]; redisDown?: boolean } = {}): Promise<TestApp> {
  const prefix = testPrefix('auth');
  const db = await createTestDatabase();
  const keyFiles = makeKeyFiles();
  const config = loadAuthConfig({
    DATABASE_URL: db.url,
    REDIS_URL: process.env.REDIS_URL,
    JWT_PRIVATE_KEY_FILE: keyFiles.privateFile,
    ...(extra.verifyKeyFiles && { JWT_VERIFY_KEY_FILES: extra.verifyKeyFiles.join(',') }),
    ...env,
  });
  const logger = createLogger({ service: 'auth', level: 'error', silent: !process.env.TEST_LOGS });
  const redis = createRedisClient(config.REDIS_URL, logger);
  if (!extra.redisDown) await redisReady(redis);
  const keys = loadSigningKeys(config.JWT_PRIVATE_KEY_FILE, config.JWT_VERIFY_KEY_FILES);
  const deps = createAuthDeps({ config, pool: db.pool, redis, keys, logger });
  const app = buildApp({
    ...deps, keys, issuer: config.JWT_ISSUER, redis,
    checks: [
      { name: 'postgres', check: () => db.pool.query('SELECT 1') },
      { name: 'redis', check: () => redis.ping() },
    ],
  });

  let n = 0;
  const rows = async <T,>(sql: string, params: unknown[] = []) => (await db.pool.query(sql, params)).rows as T[];
  const t: TestApp = {
    app, db, redis, deps, keys, config, prefix,
    email: (label = 'user') => `${label}.${prefix}.${++n}@example.com`.toLowerCase(),
    ip: () => `10.${randomBytes(1)[0]}.${randomBytes(1)[0]}.${1 + (randomBytes(1)[0]! % 250)}`,
    rows,
    async snapshot() {
      const out: Record<string, unknown> = {};
      for (const table of SNAPSHOT_TABLES) {
        out[table] = (await rows<{ r: unknown }>(`SELECT to_jsonb(t) AS r FROM auth.${table} t ORDER BY 1`)).map((x) => x.r);
      }
      return out;
    },
    async outbox(type) {
      return rows(`SELECT type, envelope FROM auth.outbox ${type ? 'WHERE type = $1' : ''} ORDER BY seq`, type ? [type] : []);
    },
    async register(opts = {}) {
      const email = opts.email ?? t.email();
      const password = opts.password ?? STRONG_PASSWORD;
      const res = await request(app).post(`${API}/public/auth/register`)
        .set('x-forwarded-for', opts.ip ?? t.ip())
        .send({ email, password, display_name: opts.displayName ?? 'Test User' });
      expect(res.status, JSON.stringify(res.body)).toBe(201);
      const accessToken = res.body.data.access_token as string;
      const claims = JSON.parse(Buffer.from(accessToken.split('.')[1]!, 'base64url').toString()) as { sid: string };
      return { email, password, userId: res.body.data.user.id, accessToken, refreshToken: res.body.data.refresh_token, sessionId: claims.sid };
    },
    async stop() {
      await redis.quit().catch(() => {});
      await db.drop();
    },
  };
  return t;
}

/** The error envelope every refusal must carry. */
export function expectError(res: request.Response, status: number, code: string): void {
  expect(res.status, JSON.stringify(res.body)).toBe(status);
  expect(res.body).toMatchObject({ success: false, status_code: status, data: null, error: { code, message: expect.any(String) } });
  expect(res.body.error.request_id).toEqual(expect.any(String));
}

export const bearer = (token: string) => `Bearer ${token}`;

export const decodeJwt = (token: string) => ({
  header: JSON.parse(Buffer.from(token.split('.')[0]!, 'base64url').toString()) as Record<string, unknown>,
  payload: JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()) as Record<string, unknown>,
});
