import { createPublicKey, type KeyObject } from 'node:crypto';
import jwksRsa from 'jwks-rsa';
import { AppError } from '../errors/app-error.ts';

/** Finds the public key for a token's `kid`; undefined when no such key exists. */
export type KeyResolver = (kid: string) => Promise<KeyObject | undefined>;

export type JwksOptions = {
  /** How long a fetched key is trusted before it is fetched again (default 10 min). */
  cacheMaxAgeMs?: number;
  /** Cap on JWKS fetches, so tokens with made-up kids cannot hammer auth (default 10 a minute). */
  requestsPerMinute?: number;
  timeoutMs?: number;
};

const NOT_FOUND = new Set(['SigningKeyNotFoundError', 'JwksRateLimitError']);

/**
 * Keys from a JWKS endpoint (jwks-rsa: cached, rate-limited), each turned once into a KeyObject and
 * cached per kid: jsonwebtoken re-parses PEM strings on every verify (≈10× the cost, guide §12).
 */
export function jwksKeyResolver(jwksUrl: string, { cacheMaxAgeMs = 10 * 60_000, requestsPerMinute = 10, timeoutMs = 2_000 }: JwksOptions = {}): KeyResolver {
  const client = jwksRsa({
    jwksUri: jwksUrl,
    cache: true,
    cacheMaxAge: cacheMaxAgeMs,
    rateLimit: true,
    jwksRequestsPerMinute: requestsPerMinute,
    timeout: timeoutMs,
  });
  const keys = new Map<string, { key: Promise<KeyObject | undefined>; fetchedAt: number }>();

  const fetchKey = async (kid: string): Promise<KeyObject | undefined> => {
    try {
      return createPublicKey((await client.getSigningKey(kid)).getPublicKey());
    } catch (err) {
      if (NOT_FOUND.has((err as Error).name)) return undefined;
      // JWKS unreachable: we cannot tell a good token from a forged one, so nobody gets in (503).
      throw new AppError('SYS_003', 'Cannot verify tokens right now', { cause: err });
    }
  };

  return (kid) => {
    const hit = keys.get(kid);
    if (hit && Date.now() - hit.fetchedAt < cacheMaxAgeMs) return hit.key;
    // The promise is cached, so concurrent requests with a new kid share one fetch.
    const key = fetchKey(kid).then(
      (k) => { if (!k) keys.delete(kid); return k; },
      (err: unknown) => { keys.delete(kid); throw err; },
    );
    keys.set(kid, { key, fetchedAt: Date.now() });
    return key;
  };
}
