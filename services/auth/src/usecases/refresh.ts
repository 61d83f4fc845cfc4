import { AppError } from '@platform/shared/errors';
import { AUDIT_EVENTS, type RequestMeta } from '../domain/audit-events.ts';
import { authErrors } from '../domain/auth-errors.ts';
import { generateOpaqueToken, hashToken, looksLikeOpaqueToken } from '../domain/opaque-token.ts';
import { isWithinGrace, REVOKE_REASONS } from '../domain/session.ts';
import type { AuthDeps } from './deps.ts';
import type { SessionTokens } from './session-tokens.ts';

type Outcome = { tokens?: SessionTokens; error?: AppError; revokedSessionId?: string; reuse?: boolean };

type Deps = Pick<AuthDeps, 'runInTx' | 'users' | 'sessions' | 'audit' | 'signer' | 'grace' | 'revocations' | 'settings' | 'now' | 'logger'>;

/**
 * Rotates a refresh token: the presented one is spent and a new pair comes back. Presenting a spent
 * token again means two parties hold it; unless it is the same client retrying within the grace
 * window (two tabs), the whole family is revoked so a thief's copy dies with the victim's.
 */
export async function refresh(deps: Deps, refreshToken: string, meta: RequestMeta): Promise<SessionTokens> {
  if (!looksLikeOpaqueToken(refreshToken)) throw authErrors.invalidRefreshToken();
  const now = deps.now();

  // Errors are returned, not thrown, from the transaction: a revocation must commit even though the caller gets a 401.
  const outcome = await deps.runInTx(async (tx): Promise<Outcome> => {
    const found = await deps.sessions.findByRefreshHashForUpdate(tx, hashToken(refreshToken));
    if (!found) return { error: authErrors.invalidRefreshToken() };
    const { token, session } = found;
    if (session.revokedAt) return { error: authErrors.revokedRefreshToken() };
    if (session.expiresAt <= now) return { error: authErrors.expiredRefreshToken() };

    if (token.usedAt) {
      if (isWithinGrace(token.usedAt, now, deps.settings.refreshReuseGraceS)) {
        const pair = await deps.grace.get(refreshToken).catch((err: unknown) => {
          deps.logger.warn('refresh grace cache unavailable', { err });
          return null;
        });
        // Without the cached pair we cannot answer the same; refuse without punishing a likely-honest client.
        return pair ? { tokens: { ...pair, token_type: 'Bearer' as const } } : { error: authErrors.invalidRefreshToken() };
      }
      await deps.sessions.revoke(tx, session.id, REVOKE_REASONS.refreshReuse);
      await deps.audit.record(tx, {
        event: AUDIT_EVENTS.refreshReuseDetected, userId: session.userId, meta,
        details: { session_id: session.id, token_id: token.id, used_at: token.usedAt.toISOString() },
      });
      return { error: authErrors.refreshReuse(), revokedSessionId: session.id, reuse: true };
    }

    const user = await deps.users.findById(tx, session.userId);
    if (!user || user.status !== 'active') {
      await deps.sessions.revoke(tx, session.id, user?.status === 'banned' ? REVOKE_REASONS.banned : REVOKE_REASONS.deleted);
      return { error: user?.status === 'banned' ? authErrors.accountBanned() : authErrors.accountDeleted(), revokedSessionId: session.id };
    }

    const next = generateOpaqueToken();
    const added = await deps.sessions.addRefreshToken(tx, session.id, hashToken(next));
    await deps.sessions.markRotated(tx, token.id, added.id);
    // Sliding expiry: a session lives REFRESH_TOKEN_TTL_S past its last use.
    await deps.sessions.touch(tx, session.id, new Date(now.getTime() + deps.settings.refreshTokenTtlS * 1000));
    await deps.audit.record(tx, { event: AUDIT_EVENTS.refresh, userId: user.id, actorId: user.id, meta, details: { session_id: session.id } });
    const access = deps.signer.signUserToken({ userId: user.id, role: user.role, sessionId: session.id });
    const tokens: SessionTokens = { access_token: access.token, refresh_token: next, token_type: 'Bearer', expires_in: access.expiresIn };
    // Cached before COMMIT: a concurrent refresh with the same token waits on our row lock and must find it.
    await deps.grace.put(refreshToken, { access_token: tokens.access_token, refresh_token: next, expires_in: tokens.expires_in })
      .catch((err: unknown) => deps.logger.warn('refresh grace cache unavailable', { err }));
    return { tokens };
  });

  if (outcome.revokedSessionId) {
    if (outcome.reuse) deps.logger.warn('refresh token reuse detected', { session_id: outcome.revokedSessionId, ip: meta.ip });
    await deps.revocations.revokeSessions([outcome.revokedSessionId]);
  }
  if (outcome.error) throw outcome.error;
  if (!outcome.tokens) throw new AppError('SYS_001', 'Refresh produced no tokens');
  return outcome.tokens;
}
