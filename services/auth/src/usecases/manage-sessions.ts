import { AUDIT_EVENTS, type RequestMeta } from '../domain/audit-events.ts';
import { authErrors } from '../domain/auth-errors.ts';
import { REVOKE_REASONS, type Session } from '../domain/session.ts';
import type { AuthDeps } from './deps.ts';
import type { Page } from './ports.ts';

export function listSessions(deps: Pick<AuthDeps, 'db' | 'sessions'>, userId: string, page: Page): Promise<{ items: Session[]; total: number }> {
  return deps.sessions.listActiveForUser(deps.db, userId, page);
}

/** Signs out one of the caller's own sessions; someone else's id is answered exactly like an unknown one. */
export async function revokeSession(
  deps: Pick<AuthDeps, 'runInTx' | 'sessions' | 'audit' | 'revocations'>,
  userId: string,
  sessionId: string,
  meta: RequestMeta,
): Promise<void> {
  const revoked = await deps.runInTx(async (tx) => {
    const session = await deps.sessions.findActiveForUser(tx, userId, sessionId);
    if (!session || !(await deps.sessions.revoke(tx, session.id, REVOKE_REASONS.userRevoked))) return false;
    await deps.audit.record(tx, { event: AUDIT_EVENTS.sessionRevoked, userId, actorId: userId, meta, details: { session_id: session.id } });
    return true;
  });
  if (!revoked) throw authErrors.sessionNotFound(sessionId);
  await deps.revocations.revokeSessions([sessionId]);
}
