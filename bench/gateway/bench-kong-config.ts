// The declarative files of the gateway scenarios and the credentials they need: an RS256 key pair
// made for this run, its public key as a consumer's jwt_secret looked up by `kid` (as the
// platform's kong.yml does for auth's keys), and one access token signed with it.
import { createSign, generateKeyPairSync, randomUUID } from 'node:crypto';

export type ScenarioPlugins = 'none' | 'jwt' | 'jwt+rate-limiting+correlation-id';

export const GATEWAY_PATH = '/KONGAPI/api/v1/bench';
const UPSTREAM_PATH = '/api/v1/bench';
// Limits no run can reach, so every request is counted in Redis and none is refused.
const NEVER_REACHED = 1_000_000_000;
const TOKEN_LIFETIME_S = 6 * 3600;

const b64url = (value: object | Buffer) => (Buffer.isBuffer(value) ? value : Buffer.from(JSON.stringify(value))).toString('base64url');

export type BenchCredentials = { kid: string; publicKeyPem: string; token: string };

export function makeCredentials(): BenchCredentials {
  const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const kid = `bench-${randomUUID()}`;
  const now = Math.floor(Date.now() / 1000);
  const signingInput = `${b64url({ alg: 'RS256', typ: 'JWT', kid })}.${b64url({ sub: 'bench-user', iat: now, exp: now + TOKEN_LIFETIME_S })}`;
  const signature = createSign('RSA-SHA256').update(signingInput).sign(privateKey);
  return { kid, publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(), token: `${signingInput}.${b64url(signature)}` };
}

/** kong.yml (as an object) for one scenario. Fresh ids per file, so Redis counters never mix runs. */
export function kongDocument(plugins: ScenarioPlugins, upstreamPort: number, credentials: BenchCredentials, redisUrl: string): Record<string, unknown> {
  const jwt = {
    name: 'jwt',
    // The platform's protected-route settings (kong/kong.yml), without maximum_expiration so a long run's token stays valid.
    config: { key_claim_name: 'kid', claims_to_verify: ['exp'], header_names: ['authorization'], uri_param_names: [], cookie_names: [], run_on_preflight: false },
  };
  const redis = new URL(redisUrl);
  const rateLimiting = {
    name: 'rate-limiting',
    config: {
      minute: NEVER_REACHED,
      limit_by: 'consumer',
      policy: 'redis',
      fault_tolerant: true,
      redis: { host: redis.hostname, port: Number(redis.port || 6379) },
    },
  };
  const correlationId = { name: 'correlation-id', config: { header_name: 'Kong-Request-ID', generator: 'uuid#counter', echo_downstream: false } };
  const routePlugins = plugins === 'none' ? [] : plugins === 'jwt' ? [jwt] : [jwt, rateLimiting, correlationId];
  const tag = randomUUID().slice(0, 8);
  return {
    _format_version: '3.0',
    services: [
      {
        id: randomUUID(),
        name: `bench-${tag}`,
        url: `http://127.0.0.1:${upstreamPort}${UPSTREAM_PATH}`,
        routes: [{ id: randomUUID(), name: `bench-${tag}`, paths: [GATEWAY_PATH], strip_path: true, plugins: routePlugins }],
      },
    ],
    consumers: plugins === 'none'
      ? []
      : [{ username: 'bench-client', jwt_secrets: [{ key: credentials.kid, algorithm: 'RS256', secret: 'unused-for-rs256', rsa_public_key: credentials.publicKeyPem }] }],
  };
}
