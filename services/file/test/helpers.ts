import { createPrivateKey, generateKeyPairSync, randomUUID, sign, type KeyObject } from 'node:crypto';
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import type { Express } from 'express';
import type { Redis } from 'ioredis';
import request from 'supertest';
import { expect } from 'vitest';
import { createLogger } from '@platform/shared/logger';
import { createRedisClient, redisReady } from '@platform/shared/redis';
import { createTestDatabase, testPrefix, type TestDatabase } from '@platform/shared/testing';
import { buildApp } from '../src/app.ts';
import { loadFileConfig, type FileConfig } from '../src/config.ts';
import type { FileDeps } from '../src/usecases/deps.ts';
import { createFileDeps, createStorage } from '../src/wiring.ts';

export const API = '/api/v1';
export const ISSUER = 'platform-auth';
/** The tests' own link-signing key (never the launcher's development one). */
export const TEST_LINK_SECRET = 'file-service-test-link-signing-secret-0123456789';

export type Role = 'user' | 'admin' | 'service';
export type Principal = { id: string; role: Role; token: string; auth: string };

/** An RS256 key pair standing in for auth's signing key; tokens are minted like auth mints them. */
export type TokenMint = { kid: string; publicKey: KeyObject; mint(claims: { sub: string; role: Role; expiresInS?: number }): string };

export function createTokenMint(): TokenMint {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const kid = `test-${randomUUID().slice(0, 8)}`;
  const key = createPrivateKey(privateKey.export({ type: 'pkcs8', format: 'pem' }));
  const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
  return {
    kid,
    publicKey,
    mint({ sub, role, expiresInS = 600 }) {
      const now = Math.floor(Date.now() / 1000);
      const head = `${b64({ alg: 'RS256', typ: 'JWT', kid })}.${b64({
        iss: ISSUER, sub, role, ...(role !== 'service' && { sid: randomUUID() }), jti: randomUUID(), iat: now, exp: now + expiresInS,
      })}`;
      return `${head}.${sign('sha256', Buffer.from(head), key).toString('base64url')}`;
    },
  };
}

export type TestApp = {
  app: Express;
  db: TestDatabase;
  redis: Redis;
  deps: FileDeps;
  config: FileConfig;
  prefix: string;
  /** The local driver's data directory (a fresh temp dir). */
  storageDir: string;
  mint: TokenMint;
  /** A new principal with its own id and a valid access token. */
  principal(role?: Role): Principal;
  rows<T = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<T[]>;
  /** Every row of the service's tables, to assert that a refused request changed nothing. */
  snapshot(): Promise<unknown>;
  outbox(type?: string): Promise<{ type: string; envelope: { id: string; type: string; subject?: string; data: Record<string, unknown> } }[]>;
  /** Paths of every file in the storage dir (relative), partial ones included. */
  storedFiles(): string[];
  /** Uploads a buffer as multipart field `file`; expects 201 and returns the body's data. */
  upload(who: Principal, content: Buffer | string, opts?: { name?: string; type?: string }): Promise<UploadedJson>;
  stop(): Promise<void>;
};

export type UploadedJson = { id: string; name: string; original_name: string; size: number; content_type: string; sha256: string; owner_id: string; version: number; created_at: string };

const SNAPSHOT = ['files', 'quotas', 'quota_reservations', 'links', 'outbox'];

function walk(dir: string, root = dir): string[] {
  let out: string[] = [];
  let names: string[];
  try { names = readdirSync(dir); } catch { return []; }
  for (const name of names) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out = out.concat(walk(path, root));
    else out.push(relative(root, path));
  }
  return out.sort();
}

export async function startTestApp(env: Record<string, string> = {}): Promise<TestApp> {
  const prefix = testPrefix('file');
  const db = await createTestDatabase();
  const storageDir = mkdtempSync(join(tmpdir(), 'file-storage-'));
  const config = loadFileConfig({
    DATABASE_URL: db.url,
    REDIS_URL: process.env.REDIS_URL,
    STORAGE_DIR: storageDir,
    LINK_SIGNING_SECRET: TEST_LINK_SECRET,
    ...env,
  });
  const logger = createLogger({ service: 'file', level: 'error', silent: !process.env.TEST_LOGS });
  const redis = createRedisClient(config.REDIS_URL, logger);
  await redisReady(redis);
  const storage = await createStorage(config);
  const deps = createFileDeps({ config, pool: db.pool, storage, logger });
  const mint = createTokenMint();
  const app = buildApp({
    ...deps,
    issuer: ISSUER,
    getKey: async (kid) => (kid === mint.kid ? mint.publicKey : undefined),
    redis,
    checks: [{ name: 'postgres', check: () => db.pool.query('SELECT 1') }, { name: 'storage', check: () => storage.check() }],
  });

  const rows = async <T,>(sql: string, params: unknown[] = []) => (await db.pool.query(sql, params)).rows as T[];
  const t: TestApp = {
    app, db, redis, deps, config, prefix, storageDir, mint,
    principal(role = 'user') {
      const id = randomUUID();
      const token = mint.mint({ sub: id, role });
      return { id, role, token, auth: `Bearer ${token}` };
    },
    rows,
    async snapshot() {
      const out: Record<string, unknown> = {};
      for (const table of SNAPSHOT) {
        out[table] = (await rows<{ r: unknown }>(`SELECT to_jsonb(t) AS r FROM files.${table} t ORDER BY 1`)).map((x) => x.r);
      }
      return out;
    },
    async outbox(type) {
      return rows(`SELECT type, envelope FROM files.outbox ${type ? 'WHERE type = $1' : ''} ORDER BY seq`, type ? [type] : []);
    },
    storedFiles: () => walk(storageDir),
    async upload(who, content, opts = {}) {
      const res = await request(app).post(`${API}/files`).set('authorization', who.auth)
        .attach('file', Buffer.isBuffer(content) ? content : Buffer.from(content), {
          filename: opts.name ?? 'notes.txt',
          // form-data (under supertest) would cut a name with slashes down to its basename.
          filepath: opts.name ?? 'notes.txt',
          contentType: opts.type ?? 'text/plain',
        } as { filename: string; contentType: string });
      expect(res.status, JSON.stringify(res.body)).toBe(201);
      return res.body.data as UploadedJson;
    },
    async stop() {
      await redis.quit().catch(() => {});
      await db.drop();
      rmSync(storageDir, { recursive: true, force: true });
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

/** Minimal valid files of a few formats, recognisable by their magic bytes. */
export const samples = {
  png: Buffer.from(
    'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==', 'base64'),
  pdf: Buffer.from('%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n'),
  /** A Windows executable header ("MZ" … "PE\0\0"). */
  exe: (() => {
    const b = Buffer.alloc(512);
    b.write('MZ', 0, 'latin1');
    b.writeUInt32LE(0x80, 0x3c);
    b.write('PE\0\0', 0x80, 'latin1');
    return b;
  })(),
  /** An ELF executable header. */
  elf: Buffer.concat([Buffer.from([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0]), Buffer.alloc(120)]),
};
