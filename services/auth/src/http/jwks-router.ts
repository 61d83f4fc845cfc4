import { Router } from 'express';
import type { SigningKeys } from '../infra/signing-keys.ts';

/**
 * The JWK Set, raw (not in the envelope) because JWKS clients expect RFC 7517 JSON. Caches may keep
 * it for five minutes: a new key is published in JWT_VERIFY_KEY_FILES before it signs anything.
 */
export function createJwksRouter(keys: SigningKeys): Router {
  const router = Router();
  const body = JSON.stringify(keys.jwks);
  router.get('/public/auth/.well-known/jwks.json', (_req, res) => {
    res.setHeader('Cache-Control', 'public, max-age=300, stale-while-revalidate=60');
    res.type('application/json').send(body);
  });
  return router;
}
