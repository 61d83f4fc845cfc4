// bench/ is not a workspace package: it loads each library from the package that uses it, so it
// measures exactly the version the code runs, and declares only the few calls it makes.
import { createRequire } from 'node:module';

export const rootDir = new URL('../../', import.meta.url);

const requireFrom = (pkgDir: string) => createRequire(new URL(`${pkgDir}/package.json`, rootDir));

export type Argon2 = {
  argon2id: 2;
  hash(password: string, options: { type: 2; memoryCost: number; timeCost: number; parallelism: number }): Promise<string>;
  verify(digest: string, password: string): Promise<boolean>;
};

export type Jwt = {
  sign(payload: object, key: unknown, options: object): string;
  verify(token: string, key: unknown, options: object): unknown;
};

export type ConfirmChannel = {
  assertExchange(name: string, type: string, options: object): Promise<unknown>;
  deleteExchange(name: string): Promise<unknown>;
  assertQueue(name: string, options: object): Promise<unknown>;
  bindQueue(queue: string, exchange: string, pattern: string): Promise<unknown>;
  deleteQueue(name: string): Promise<unknown>;
  publish(exchange: string, key: string, body: Buffer, options: object, callback: (err: unknown) => void): boolean;
  close(): Promise<void>;
};
export type AmqpConnection = { createConfirmChannel(): Promise<ConfirmChannel>; close(): Promise<void> };
export type Amqplib = { connect(url: string): Promise<AmqpConnection> };

export const loadArgon2 = (): Argon2 => requireFrom('services/auth')('argon2') as Argon2;
export const loadJwt = (): Jwt => requireFrom('shared')('jsonwebtoken') as Jwt;
export const loadAmqplib = (): Amqplib => requireFrom('shared')('amqplib') as Amqplib;

/** Infra URLs: the launcher passes what it resolved; run directly, the local default ports. */
export const infra = {
  databaseUrl: process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/platform',
  redisUrl: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
  amqpUrl: process.env.AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672',
};
