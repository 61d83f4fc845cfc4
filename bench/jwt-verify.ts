// Access-token verifications per second on one core: the shared verifier (createTokenVerifier from
// @platform/shared/auth: header checks, pinned RS256, required claims) with its key already
// resolved, as it is after the first JWKS fetch; beside it bare jsonwebtoken.verify with a KeyObject.
import { createPublicKey, generateKeyPairSync, randomUUID } from 'node:crypto';
import { createTokenVerifier } from '@platform/shared/auth';
import { loadJwt } from './lib/deps.ts';
import { progress } from './lib/log.ts';
import { round } from './lib/stats.ts';

const MAX_VERIFIES = 200_000;
const MAX_MS = 2_500;
const ISSUER = 'platform-auth';

async function rate(label: string, verifyOnce: () => unknown) {
  for (let i = 0; i < 500; i++) await verifyOnce(); // warm-up
  let count = 0;
  const started = performance.now();
  const deadline = started + MAX_MS;
  while (count < MAX_VERIFIES && performance.now() < deadline) {
    await verifyOnce();
    count++;
  }
  const elapsedMs = performance.now() - started;
  const result = { verifies: count, verifies_per_s: round(count / (elapsedMs / 1000), 0), us_per_verify: round((elapsedMs * 1000) / count, 1) };
  progress(`${label}: ${result.verifies_per_s}/s (${result.us_per_verify} µs each, one core)`);
  return result;
}

export async function measureJwtVerify() {
  const jwt = loadJwt();
  // A key of the size auth uses (RSA 2048), made for the run: no key file is committed.
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const publicKey = createPublicKey(privateKey);
  const token = jwt.sign(
    { sub: randomUUID(), role: 'user', sid: randomUUID(), jti: randomUUID() },
    privateKey,
    { algorithm: 'RS256', keyid: 'bench-kid', issuer: ISSUER, expiresIn: 900 },
  );

  const verify = createTokenVerifier({ issuer: ISSUER, resolveKey: async () => publicKey });
  const shared = await rate('jwt verify, shared verifier', () => verify(token));
  const bare = await rate('jwt verify, bare jsonwebtoken', () => jwt.verify(token, publicKey, { algorithms: ['RS256'], issuer: ISSUER }));
  return { algorithm: 'RS256', key: 'KeyObject (RSA 2048)', shared_verifier: shared, bare_jsonwebtoken: bare };
}
