import { AUDIT_EVENTS, type RequestMeta } from '../domain/audit-events.ts';
import { authErrors } from '../domain/auth-errors.ts';
import { hashToken, looksLikeOpaqueToken } from '../domain/opaque-token.ts';
import { REVOKE_REASONS } from '../domain/session.ts';
import type { AuthDeps } from './deps.ts';

type Deps = Pick<AuthDeps, 'runInTx' | 'sessions' | 'audit' | 'revocations'>;

/**
 * Ends the session the refresh token belongs to. Any token of the family identifies it (a spent one
 * too: ending a session is always safe), and a second logout is a no-op, so clients can retry.
 */
export async function logout(deps: Deps, refreshToken: string, meta: RequestMeta): Promise<void> {
  if (!looksLikeOpaqueToken(refreshToken)) throw authErrors.invalidRefreshToken();
  const sessionId = await deps.runInTx(async (tx) => {
    const found = await deps.sessions.findByRefreshHashForUpdate(tx, hashToken(refreshToken));
    if (!found) return null;
    if (await deps.sessions.revoke(tx, found.session.id, REVOKE_REASONS.logout)) {
      await deps.audit.record(tx, { event: AUDIT_EVENTS.logout, userId: found.session.userId, actorId: found.session.userId, meta, details: { session_id: found.session.id } });
    }
    return found.session.id;
  });
  if (!sessionId) throw authErrors.invalidRefreshToken();
  // Written even on a repeated logout, in case Redis missed the first one.
  await deps.revocations.revokeSessions([sessionId]);
}

/** Ends every session of the user and invalidates every access token issued to them so far. */
export async function logoutAll(deps: Deps & Pick<AuthDeps, 'now'>, userId: string, meta: RequestMeta): Promise<void> {
  const revoked = await deps.runInTx(async (tx) => {
    const ids = await deps.sessions.revokeAllForUser(tx, userId, REVOKE_REASONS.logoutAll);
    await deps.audit.record(tx, { event: AUDIT_EVENTS.logoutAll, userId, actorId: userId, meta, details: { sessions_revoked: ids.length } });
    return ids;
  });
  await deps.revocations.revokeUser(userId, deps.now());
  await deps.revocations.revokeSessions(revoked);
}
