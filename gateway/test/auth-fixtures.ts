// Fixtures for the auth plugin unit tests (jwt, key-auth, acl): an in-memory ConsumerIndex, a
// hand-made RequestContext, a token signer independent of the plugin's verifier, and key pairs.
import { createHmac, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Registry } from 'prom-client';
import { createLogger } from '@platform/shared/logger';
import type { Consumer, ConsumerIndex, JwtSecret, KeyAuthCredential, PluginConfig, Route, Service } from '../src/declarative/model.ts';
import { GatewayError, type PluginDefinition, type PluginEnv, type PluginHandlers, type RequestContext } from '../src/plugins/plugin.ts';

export type Directory = {
  consumers?: Consumer[];
  jwtSecrets?: JwtSecret[];
  keyAuths?: KeyAuthCredential[];
  acls?: { consumerId: string; group: string }[];
};

export function consumerIndex({ consumers = [], jwtSecrets = [], keyAuths = [], acls = [] }: Directory): ConsumerIndex {
  return {
    byId: (id) => consumers.find((c) => c.id === id),
    byIdOrUsername: (ref) => consumers.find((c) => c.id === ref) ?? consumers.find((c) => c.username === ref),
    jwtSecretByKey: (key) => jwtSecrets.find((s) => s.key === key),
    keyAuthByKey: (key) => keyAuths.find((k) => k.key === key),
    aclGroups: (consumerId) => acls.filter((a) => a.consumerId === consumerId).map((a) => a.group),
  };
}

export function pluginEnvFor(directory: Directory): PluginEnv {
  return {
    logger: createLogger({ service: 'gateway-test', level: 'error', silent: true }),
    consumers: consumerIndex(directory),
    metrics: new Registry(),
  };
}

const pluginEntry = (name: string): PluginConfig => ({ id: `${name}-plugin`, name, enabled: true, config: {} });

/** The plugin as the gateway builds it: config through its zod schema, then create(). */
export function build(definition: PluginDefinition, config: Record<string, unknown>, directory: Directory): PluginHandlers {
  return definition.create(definition.schema.parse(config), pluginEnvFor(directory), pluginEntry(definition.name));
}

const service: Service = {
  id: 'svc', name: 'echo', protocol: 'http', host: '127.0.0.1', port: 9, path: '/', retries: 0,
  connectTimeoutMs: 1000, readTimeoutMs: 1000, writeTimeoutMs: 1000,
};
const route: Route = {
  id: 'route', name: 'echo', serviceId: 'svc', prefixPaths: ['/'], regexPaths: [], methods: null, hosts: null,
  stripPath: false, preserveHost: false, regexPriority: 0, protocols: ['http'], pathHandling: 'v0',
  httpsRedirectStatusCode: 426, requestBuffering: true, responseBuffering: true,
};

export type ContextOptions = {
  method?: string;
  url?: string;
  /** As sent: [name, value] pairs in order, so repeated headers are possible. */
  headers?: [string, string][];
};

/** A context as the core hands it to plugins: upstream headers and query start as the client's. */
export function context({ method = 'GET', url = '/', headers = [] }: ContextOptions = {}): RequestContext {
  const rawHeaders = headers.flat();
  const joined: Record<string, string> = {};
  for (const [name, value] of headers) {
    const lower = name.toLowerCase();
    const sep = lower === 'cookie' ? '; ' : ', ';
    // Node keeps the first authorization and joins other repeats.
    if (joined[lower] === undefined) joined[lower] = value;
    else if (lower !== 'authorization') joined[lower] += sep + value;
  }
  const req = { method, url, headers: joined, rawHeaders } as unknown as IncomingMessage;
  const parsed = new URL(url, 'http://gateway');
  return {
    req,
    res: {} as ServerResponse,
    route,
    service,
    clientIp: '127.0.0.1',
    startedAt: process.hrtime.bigint(),
    upstream: { method, path: parsed.pathname, query: parsed.searchParams, headers: { ...joined } },
    responseHeaders: {},
    shared: new Map(),
  };
}

/** Runs access and returns the GatewayError it threw (fails the test when it did not throw one). */
export async function rejection(handlers: PluginHandlers, ctx: RequestContext): Promise<GatewayError> {
  try {
    await handlers.access?.(ctx);
  } catch (err) {
    if (err instanceof GatewayError) return err;
    throw err;
  }
  throw new Error('expected access to reject the request');
}

// ---- tokens ----

export const b64url = (data: string | Buffer) => Buffer.from(data).toString('base64url');

export type SignKey = { alg: string; key: KeyObject | string | Buffer };

const DIGESTS: Record<string, string | null> = {
  HS256: 'sha256', HS384: 'sha384', HS512: 'sha512', RS256: 'sha256', RS384: 'sha384', RS512: 'sha512',
  ES256: 'sha256', ES384: 'sha384', ES512: 'sha512', EdDSA: null,
};

/** A compact JWS: header (alg and extras) . claims . signature, signed like any JOSE library. */
export function signToken(claims: Record<string, unknown>, { alg, key }: SignKey, header: Record<string, unknown> = {}): string {
  const input = `${b64url(JSON.stringify({ typ: 'JWT', alg, ...header }))}.${b64url(JSON.stringify(claims))}`;
  const digest = DIGESTS[alg];
  let signature: Buffer;
  if (alg.startsWith('HS')) signature = createHmac(digest as string, key as string | Buffer).update(input).digest();
  else if (alg.startsWith('ES')) signature = sign(digest, Buffer.from(input), { key: key as KeyObject, dsaEncoding: 'ieee-p1363' });
  else signature = sign(digest, Buffer.from(input), key as KeyObject);
  return `${input}.${b64url(signature)}`;
}

export type KeyPair = { publicPem: string; privateKey: KeyObject };

export function keyPair(kind: 'rsa' | 'P-256' | 'P-384' | 'P-521' | 'ed25519'): KeyPair {
  const pair =
    kind === 'rsa'
      ? generateKeyPairSync('rsa', { modulusLength: 2048 })
      : kind === 'ed25519'
        ? generateKeyPairSync('ed25519')
        : generateKeyPairSync('ec', { namedCurve: kind });
  return { publicPem: pair.publicKey.export({ type: 'spki', format: 'pem' }) as string, privateKey: pair.privateKey };
}

export const nowSeconds = () => Math.floor(Date.now() / 1000);
