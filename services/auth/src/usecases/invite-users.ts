import { authInvitationRequested } from '@platform/shared/events';
import { AUDIT_EVENTS, type RequestMeta } from '../domain/audit-events.ts';
import { validationError } from '../domain/field-issue.ts';
import { checkInvitee, type Invitee } from '../domain/invitee.ts';
import { generateOpaqueToken, hashToken } from '../domain/opaque-token.ts';
import type { AuthDeps } from './deps.ts';

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
 * Set-based: the users, their tokens, audit rows and events are each written with one statement.
 */
export async function inviteUsers(deps: Deps, actor: { id: string }, input: InviteInput, meta: RequestMeta): Promise<InviteResult[]> {
  const results: InviteResult[] = [];
  const valid: { index: number; invitee: Invitee }[] = [];
  for (const [index, raw] of input.users.entries()) {
    const c = checkInvitee(raw);
    if ('issues' in c) {
      const err = validationError(c.issues);
      results.push({ index, email: raw.email, status: 'invalid', error: { code: err.code, message: err.message, details: err.options.details } });
    } else valid.push({ index, invitee: c.invitee });
  }
  // The first occurrence of an email is the one created; repeats report its id as `exists`.
  const firsts = new Map<string, Invitee>();
  for (const { invitee } of valid) if (!firsts.has(invitee.email)) firsts.set(invitee.email, invitee);
  // Sorted by email, so two overlapping batches lock the emails in the same order (no deadlock).
  const toInsert = [...firsts.values()].sort((a, b) => (a.email < b.email ? -1 : a.email > b.email ? 1 : 0));

  return deps.runInTx(async (tx) => {
    const created = await deps.users.insertManyIfAbsent(tx, toInsert.map((i) => ({ email: i.email, passwordHash: null, displayName: i.displayName, role: i.role, emailVerified: false })));
    const createdByEmail = new Map(created.map((u) => [u.email, u]));
    // Skipped ones existed or were inserted by someone else; ON CONFLICT waited for them, so they are visible.
    const skipped = toInsert.filter((i) => !createdByEmail.has(i.email)).map((i) => i.email);
    const existingByEmail = new Map((await deps.users.findByEmails(tx, skipped)).map((u) => [u.email, u.id]));

    const expiresAt = new Date(deps.now().getTime() + deps.settings.invitationTtlS * 1000);
    const fresh = created.map((user) => ({ user, token: generateOpaqueToken() }));
    // New accounts have no earlier links to supersede.
    await deps.oneTimeTokens.createMany(tx, { purpose: 'set_password', expiresAt, tokens: fresh.map(({ user, token }) => ({ userId: user.id, tokenHash: hashToken(token) })) });
    await deps.audit.recordMany(tx, fresh.map(({ user }) => ({
      event: AUDIT_EVENTS.invitationRequested, userId: user.id, actorId: actor.id, meta,
      details: { source: input.source, invited_by: input.invitedBy, role: user.role },
    })));
    await deps.outbox.addMany(tx, fresh.map(({ user, token }) => authInvitationRequested.create(
      {
        user_id: user.id, email: user.email, display_name: user.displayName, role: user.role, token,
        expires_at: expiresAt.toISOString(), invited_by: input.invitedBy, source: input.source,
      },
      { source: 'auth', subject: user.id },
    )));

    const reported = new Set<string>();
    for (const { index, invitee: { email } } of valid) {
      const user = createdByEmail.get(email);
      if (user && !reported.has(email)) {
        reported.add(email);
        results.push({ index, email, status: 'created', id: user.id });
        continue;
      }
      const id = user?.id ?? existingByEmail.get(email);
      if (!id) throw new Error('an invited user conflicted but cannot be found');
      results.push({ index, email, status: 'exists', id });
    }
    return results.sort((a, b) => a.index - b.index);
  });
}
