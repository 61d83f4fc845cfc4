// Access-token verifications per second: RS256 with a pre-built KeyObject, as the shared verifier does.
import { createPrivateKey, createPublicKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { loadJwt, rootDir } from './lib/deps.ts';
import { progress } from './lib/log.ts';
import { round } from './lib/stats.ts';

const MAX_VERIFIES = 200_000;
const MAX_MS = 3_000;

export async function measureJwtVerify() {
  const jwt = loadJwt();
  const privateKey = createPrivateKey(readFileSync(new URL('infra/dev-keys/jwt-dev-private.pem', rootDir)));
  const publicKey = createPublicKey(privateKey);
  const options = { algorithms: ['RS256'], issuer: 'bench', clockTolerance: 5 };
  const token = jwt.sign(
    { sub: '0b6f3f9e-6c61-4d0f-9d3c-1d2b1a6b8c11', role: 'user', sid: 'bench-session', jti: 'bench-jti' },
    privateKey,
    { algorithm: 'RS256', keyid: 'bench', issuer: 'bench', expiresIn: 900 },
  );

  for (let i = 0; i < 500; i++) jwt.verify(token, publicKey, options); // warm-up
  let count = 0;
  const started = performance.now();
  const deadline = started + MAX_MS;
  while (count < MAX_VERIFIES && performance.now() < deadline) {
    const claims = jwt.verify(token, publicKey, options) as { exp?: number };
    if (typeof claims.exp !== 'number') throw new Error('token without exp');
    count++;
  }
  const elapsedMs = performance.now() - started;
  const result = {
    algorithm: 'RS256',
    key: 'KeyObject (RSA 2048)',
    verifies: count,
    verifies_per_s: round(count / (elapsedMs / 1000), 0),
    us_per_verify: round((elapsedMs * 1000) / count, 1),
  };
  progress(`jwt verify: ${result.verifies_per_s}/s (${result.us_per_verify} µs each, one core)`);
  return result;
}
