import { AppError, isAppError } from '../errors/app-error.ts';
import type { Logger } from '../logger/create-logger.ts';
import { createServiceClient } from './create-service-client.ts';

export type TokenProviderOptions = {
  /** The auth service's base URL (http://127.0.0.1:3001). */
  authUrl: string;
  clientId: string;
  clientSecret: string;
  timeoutMs?: number;
  logger?: Logger;
};

/** Resolves a valid service access token; `invalidate()` drops the cached one (after a 401). */
export type TokenProvider = (() => Promise<string>) & { invalidate: () => void };

type TokenAnswer = { access_token?: unknown; expires_in?: unknown };

// Never leave less than this of a token's life when handing it out: the call still has to reach its target.
const MIN_REMAINING_MS = 5_000;

/**
 * Service tokens via client_credentials (`POST {authUrl}/api/v1/public/auth/token`), cached until
 * shortly before they expire; concurrent callers share one request. If a refresh fails while the
 * cached token is still valid, the cached token is used.
 */
export function createTokenProvider({ authUrl, clientId, clientSecret, timeoutMs = 2_000, logger }: TokenProviderOptions): TokenProvider {
  // Its own breaker: a token endpoint outage shows up under its own label, apart from calls to auth's API.
  const auth = createServiceClient({ name: 'auth-token', baseUrl: authUrl, timeoutMs, retries: 2, ...(logger && { logger }) });
  let cached: { token: string; refreshAt: number; expiresAt: number } | undefined;
  let inflight: Promise<string> | undefined;

  async function fetchToken(): Promise<string> {
    let answer: TokenAnswer;
    try {
      answer = await auth.post<TokenAnswer>('/api/v1/public/auth/token', {
        body: { grant_type: 'client_credentials', client_id: clientId, client_secret: clientSecret },
        idempotent: true, // asking twice only mints a second token
      });
    } catch (err) {
      if (cached && Date.now() < cached.expiresAt - MIN_REMAINING_MS) {
        logger?.warn('service token refresh failed, using the cached token', { err });
        return cached.token;
      }
      // Rejected credentials are our misconfiguration, not the end user's 401.
      if (isAppError(err) && err.status < 500) throw new AppError('EXT_003', 'Service credentials were rejected', { cause: err });
      throw err;
    }
    const { access_token: token, expires_in: expiresIn } = answer ?? {};
    if (typeof token !== 'string' || typeof expiresIn !== 'number' || !(expiresIn > 0)) {
      throw new AppError('EXT_003', 'The auth service returned an invalid response', { cause: new Error('token answer without access_token/expires_in') });
    }
    const now = Date.now();
    const lifetimeMs = expiresIn * 1000;
    // Refresh at 80% of the lifetime (at most a minute early): long enough to reuse, early enough never to send an expired token.
    cached = { token, expiresAt: now + lifetimeMs, refreshAt: now + lifetimeMs - Math.min(60_000, lifetimeMs / 5) };
    return token;
  }

  const provider = (): Promise<string> => {
    if (cached && Date.now() < cached.refreshAt) return Promise.resolve(cached.token);
    inflight ??= fetchToken().finally(() => { inflight = undefined; });
    return inflight;
  };
  return Object.assign(provider, { invalidate: () => { cached = undefined; } });
}
