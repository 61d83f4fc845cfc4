import { authInvitationRequested } from '@platform/shared/events';
import { AUDIT_EVENTS, type RequestMeta } from '../domain/audit-events.ts';
import { validationError } from '../domain/field-issue.ts';
import { checkInvitee } from '../domain/invitee.ts';
import type { AuthDeps } from './deps.ts';
import { issueLinkToken } from './one-time-links.ts';

export type InviteSource = 'admin' | 'sync' | 'service';

export type InviteInput = {
  users: { email: string; display_name: string; role?: string | undefined }[];
  source: InviteSource;
  /** The admin (a user id) who asked, when there is one. */
  invitedBy: string | null;
};

export type InviteResult =
  | { index: number; email: string; status: 'created' | 'exists'; id: string }
  | { index: number; email: string; status: 'invalid'; error: { code: string; message: string; details: unknown } };

type Deps = Pick<AuthDeps, 'runInTx' | 'users' | 'oneTimeTokens' | 'audit' | 'outbox' | 'settings' | 'now'>;

/**
 * Creates identities without a password (admin invites, sync imports). Each new one gets a single-use
 * set-password link through auth.invitation_requested. Idempotent on email: an existing account, or a
 * repeat within the batch, is reported as `exists` with its id, so a retried import changes nothing.
 * One transaction for the batch: a failure leaves no half-import behind and the retry is clean.
 */
export async function inviteUsers(deps: Deps, actor: { id: string }, input: InviteInput, meta: RequestMeta): Promise<InviteResult[]> {
  const checked = input.users.map((raw, index) => ({ index, raw, checked: checkInvitee(raw) }));
  return deps.runInTx(async (tx) => {
    const results: InviteResult[] = [];
    for (const { index, raw, checked: c } of checked) {
      if ('issues' in c) {
        const err = validationError(c.issues);
        results.push({ index, email: raw.email, status: 'invalid', error: { code: err.code, message: err.message, details: err.options.details } });
        continue;
      }
      const { email, displayName, role } = c.invitee;
      const user = await deps.users.insertIfAbsent(tx, { email, passwordHash: null, displayName, role, emailVerified: false });
      if (!user) {
        // Inserted by someone else (or earlier in this batch); ON CONFLICT waited for them, so the row is visible.
        const existing = await deps.users.findByEmail(tx, email);
        if (!existing) throw new Error(`user ${email} conflicted but cannot be found`);
        results.push({ index, email, status: 'exists', id: existing.id });
        continue;
      }
      const { token, expiresAt } = await issueLinkToken(deps, tx, user.id, 'set_password', deps.settings.invitationTtlS);
      await deps.audit.record(tx, {
        event: AUDIT_EVENTS.invitationRequested, userId: user.id, actorId: actor.id, meta,
        details: { source: input.source, invited_by: input.invitedBy, role },
      });
      await deps.outbox.add(tx, authInvitationRequested.create(
        {
          user_id: user.id, email: user.email, display_name: user.displayName, role: user.role, token,
          expires_at: expiresAt.toISOString(), invited_by: input.invitedBy, source: input.source,
        },
        { source: 'auth', subject: user.id },
      ));
      results.push({ index, email, status: 'created', id: user.id });
    }
    return results;
  });
}
