import { AppError, type ErrorCode } from '@platform/shared/errors';
import { normalizeEmail, type User, type UserRole, type Viewer } from '../../domain/user.ts';
import { userErrors } from '../../domain/user-errors.ts';
import { insertProfile } from '../ensure-profile.ts';
import type { AdminDeps } from './admin-deps.ts';
import type { InviteOutcome } from './identity-port.ts';

type Deps = Pick<AdminDeps, 'db' | 'users' | 'outbox' | 'runInTx' | 'accounts'>;

export type Invitation = { email: string; displayName: string; role: UserRole };

/** auth's verdict on one invitee, as the error a client gets. */
export const inviteError = (outcome: Extract<InviteOutcome, { status: 'invalid' }>) =>
  new AppError(outcome.error.code as ErrorCode, outcome.error.message, { details: outcome.error.details });

/**
 * POST /admin/users: auth creates the identity without a password and mails the invitation
 * (auth.invitation_requested); the profile is created here with user.created in one transaction.
 * An email auth already knows → 409.
 */
export async function inviteUser(deps: Deps, actor: Viewer, invitation: Invitation): Promise<User> {
  const [outcome] = await deps.accounts.invite(
    [{ email: normalizeEmail(invitation.email), displayName: invitation.displayName, role: invitation.role }],
    { source: 'admin', invitedBy: actor.id },
  );
  if (!outcome) throw new AppError('EXT_003', 'The auth service returned an invalid response');
  if (outcome.status === 'invalid') throw inviteError(outcome);
  if (outcome.status === 'exists') {
    throw new AppError('BIZ_002', 'Email is already registered', { details: [{ field: 'email', issue: 'taken', message: 'Is already registered', id: outcome.id }] });
  }
  const created = await deps.runInTx((tx) => insertProfile(deps, tx, {
    id: outcome.id, email: outcome.email, displayName: invitation.displayName.trim().replace(/\s+/g, ' '),
    role: invitation.role, createdBy: actor.id,
  }));
  // null: the profile appeared meanwhile (a racing retry); show what is there.
  const user = created ?? await deps.users.findById(deps.db, outcome.id);
  if (!user) throw userErrors.notFound(outcome.id);
  return user;
}
