import { AppError } from '@platform/shared/errors';
import { userBanned, userRoleChanged, userUnbanned, userUpdated, type EventEnvelope } from '@platform/shared/events';
import {
  changedFields, isSelf, normalizeEmail, PROFILE_FIELD_NAMES, type ProfilePatch, type User, type UserRole, type Viewer,
} from '../../domain/user.ts';
import { userErrors } from '../../domain/user-errors.ts';
import { EVENT_SOURCE } from '../ensure-profile.ts';
import type { AccountPatch } from '../ports.ts';
import type { AdminDeps } from './admin-deps.ts';
import type { IdentityChange } from './identity-port.ts';
import { undoIdentityChange } from './undo-identity.ts';

/** What an admin may change on an account (PUT /admin/users/:id, ban, unban). */
export type AccountChange = {
  role?: UserRole;
  status?: 'active' | 'banned';
  email?: string;
  banReason?: string;
  bannedUntil?: Date | null;
  profile?: ProfilePatch;
};

type Deps = Pick<AdminDeps, 'db' | 'users' | 'cache' | 'outbox' | 'runInTx' | 'accounts' | 'accountStore' | 'now' | 'logger'>;

const DEFAULT_BAN_REASON = 'Banned by an administrator';

export const accountErrors = {
  selfBan: () => new AppError('AUTH_003', 'You cannot ban yourself'),
  banInPast: () => new AppError('VAL_003', 'until must be in the future', { details: [{ field: 'until', issue: 'too_small', message: 'Must be in the future' }] }),
};

/** Demoting or banning the last active admin would leave nobody to administer the platform. */
async function assertNotLastAdmin(deps: Pick<Deps, 'db' | 'accountStore'>, user: User, after: { role: UserRole; status: string }): Promise<void> {
  const wasActiveAdmin = user.role === 'admin' && user.status === 'active';
  const staysActiveAdmin = after.role === 'admin' && after.status === 'active';
  if (!wasActiveAdmin || staysActiveAdmin) return;
  if (!(await deps.accountStore.hasOtherActiveAdmin(deps.db, user.id))) throw userErrors.lastAdmin();
}

/**
 * Role, status and email change at auth first (sessions revoked at once on a ban or role change);
 * if auth refuses or cannot be reached nothing changes here. Then, in one transaction, the mirror
 * row, the ban bookkeeping, profile fields and the events. A request that changes nothing writes
 * nothing and publishes nothing.
 */
export async function changeAccount(deps: Deps, actor: Viewer, id: string, change: AccountChange, opts: { expectedVersion?: number } = {}): Promise<User> {
  const user = await deps.users.findById(deps.db, id);
  if (!user || user.status === 'deleted') throw userErrors.notFound(id);
  if (opts.expectedVersion !== undefined && opts.expectedVersion !== user.version) throw userErrors.staleVersion(user.version);

  const email = change.email === undefined ? undefined : normalizeEmail(change.email);
  const identity: IdentityChange = {
    ...(change.role !== undefined && change.role !== user.role && { role: change.role }),
    ...(change.status !== undefined && change.status !== user.status && { status: change.status }),
    ...(email !== undefined && email !== user.email && { email }),
  };
  const banning = identity.status === 'banned';
  const unbanning = identity.status === 'active';
  if (banning && isSelf(actor, id)) throw accountErrors.selfBan();
  if (change.bannedUntil && change.bannedUntil <= deps.now()) throw accountErrors.banInPast();

  // Ban terms: set with a ban (or changed while banned), cleared with an unban.
  const account: AccountPatch = { ...identity };
  const bannedAfter = (identity.status ?? user.status) === 'banned';
  if (unbanning) Object.assign(account, { banReason: null, bannedUntil: null });
  if (bannedAfter) {
    const reason = change.banReason ?? (banning ? DEFAULT_BAN_REASON : undefined);
    if (reason !== undefined && reason !== user.banReason) account.banReason = reason;
    if (change.bannedUntil !== undefined && change.bannedUntil?.getTime() !== user.bannedUntil?.getTime()) account.bannedUntil = change.bannedUntil;
    if (banning && change.bannedUntil === undefined && user.bannedUntil !== null) account.bannedUntil = null;
  }
  const profileChanged = change.profile ? changedFields(user, change.profile) : [];
  if (Object.keys(account).length === 0 && profileChanged.length === 0) return user;

  await assertNotLastAdmin(deps, user, { role: identity.role ?? user.role, status: identity.status ?? user.status });
  if (Object.keys(identity).length > 0) await deps.accounts.updateIdentity(id, identity);

  const write = () => deps.runInTx(async (tx) => {
    const locked = await deps.users.findByIdForUpdate(tx, id);
    if (!locked || locked.status === 'deleted') throw userErrors.notFound(id);
    const meta = { actorId: actor.id, ...(opts.expectedVersion !== undefined && { expectedVersion: opts.expectedVersion }) };
    let next = locked;
    if (Object.keys(account).length > 0) next = await deps.users.updateAccount(tx, id, account, meta);
    if (profileChanged.length > 0) {
      const patch = Object.fromEntries(profileChanged.map((k) => [k, change.profile![k]]));
      // The version was checked (and bumped) by the account write when there was one.
      next = await deps.users.updateProfile(tx, id, patch, Object.keys(account).length > 0 ? { actorId: actor.id } : meta);
    }
    await deps.outbox.addMany(tx, eventsFor(actor, locked, next, profileChanged));
    return next;
  });
  let updated: User;
  try {
    updated = await write();
  } catch (err) {
    if (Object.keys(identity).length > 0) await undoIdentityChange(deps, user, identity);
    throw err;
  }
  await deps.cache.set(updated);
  return updated;
}

/** The events one account change publishes, from the row before and after. */
function eventsFor(actor: Viewer, before: User, after: User, profileChanged: (keyof ProfilePatch)[]): EventEnvelope[] {
  const meta = { source: EVENT_SOURCE, subject: after.id };
  const events: EventEnvelope[] = [];
  if (before.role !== after.role) {
    events.push(userRoleChanged.create({ user_id: after.id, old_role: before.role, new_role: after.role, changed_by: actor.id }, meta));
  }
  if (before.status !== 'banned' && after.status === 'banned') {
    events.push(userBanned.create({
      user_id: after.id, reason: after.banReason ?? DEFAULT_BAN_REASON, until: after.bannedUntil?.toISOString() ?? null, banned_by: actor.id,
    }, meta));
  }
  if (before.status === 'banned' && after.status === 'active') events.push(userUnbanned.create({ user_id: after.id, unbanned_by: actor.id }, meta));
  const changed = profileChanged.map((k) => PROFILE_FIELD_NAMES[k]);
  if (before.email !== after.email) changed.push('email');
  // New terms of a ban that stays in place.
  if (before.status === 'banned' && after.status === 'banned') {
    if (before.banReason !== after.banReason) changed.push('ban_reason');
    if (before.bannedUntil?.getTime() !== after.bannedUntil?.getTime()) changed.push('banned_until');
  }
  if (changed.length > 0) events.push(userUpdated.create({ user_id: after.id, changed }, meta));
  return events;
}

/** POST /admin/users/:id/ban: auth revokes the sessions first, then user.banned. */
export const banUser = (deps: Deps, actor: Viewer, id: string, ban: { reason: string; until: Date | null }) =>
  changeAccount(deps, actor, id, { status: 'banned', banReason: ban.reason, bannedUntil: ban.until });

/** POST /admin/users/:id/unban. An active user stays as is (200, nothing published). */
export const unbanUser = (deps: Deps, actor: Viewer, id: string) => changeAccount(deps, actor, id, { status: 'active' });
