// The part of auth the user service needs while it is measured, in this process: its JWKS (an
// RS256 key made for the run) and the client_credentials token endpoint. The benchmark mints the
// callers' access tokens itself with the same key, so no login (and no argon2) runs during it.
import { createSign, generateKeyPairSync, randomUUID, type KeyObject } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { once } from 'node:events';

export const ISSUER = 'platform-auth';
const JWKS_PATH = '/api/v1/public/auth/.well-known/jwks.json';
const TOKEN_PATH = '/api/v1/public/auth/token';
const TOKEN_LIFETIME_S = 4 * 3600;

export type Caller = { sub: string; role: 'user' | 'admin' | 'service' };

export type FakeAuth = {
  /** Base URL, what the service gets as AUTH_URL. */
  url: string;
  jwksUrl: string;
  /** An access token as auth would sign it (sid and jti for end users). */
  mint(caller: Caller): string;
  /** Requests other than the JWKS and the token endpoint the service made (should stay 0 on reads). */
  unexpected(): string[];
  stop(): Promise<void>;
};

const b64url = (value: object | Buffer) => (Buffer.isBuffer(value) ? value : Buffer.from(JSON.stringify(value))).toString('base64url');

function sign(privateKey: KeyObject, kid: string, claims: Record<string, unknown>): string {
  const input = `${b64url({ alg: 'RS256', typ: 'JWT', kid })}.${b64url(claims)}`;
  return `${input}.${b64url(createSign('RSA-SHA256').update(input).sign(privateKey))}`;
}

export async function startFakeAuth(): Promise<FakeAuth> {
  const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const kid = `bench-user-${randomUUID()}`;
  const jwks = JSON.stringify({ keys: [{ ...publicKey.export({ format: 'jwk' }), kid, alg: 'RS256', use: 'sig' }] });
  const strange: string[] = [];

  const mint = ({ sub, role }: Caller) => {
    const now = Math.floor(Date.now() / 1000);
    const session = role === 'service' ? {} : { sid: randomUUID(), jti: randomUUID() };
    return sign(privateKey, kid, { sub, role, iss: ISSUER, iat: now, exp: now + TOKEN_LIFETIME_S, ...session });
  };

  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '').split('?')[0];
    req.resume();
    const reply = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    };
    if (req.method === 'GET' && path === JWKS_PATH) return void res.writeHead(200, { 'content-type': 'application/json' }).end(jwks);
    if (req.method === 'POST' && path === TOKEN_PATH) {
      return reply(200, { success: true, status_code: 200, data: { access_token: mint({ sub: 'user', role: 'service' }), token_type: 'Bearer', expires_in: 900 } });
    }
    if (strange.length < 100) strange.push(`${req.method} ${path}`);
    reply(404, { success: false, status_code: 404, error: { code: 'RES_001', message: 'not served by the benchmark' } });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  if (!address || typeof address === 'string') throw new Error('fake auth: no port');
  const url = `http://127.0.0.1:${address.port}`;
  return {
    url,
    jwksUrl: `${url}${JWKS_PATH}`,
    mint,
    unexpected: () => [...strange],
    async stop() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
