import { isAppError } from '@platform/shared/errors';
import { userCreated, userUnbanned, userUpdated, type EventEnvelope } from '@platform/shared/events';
import { changedFields, normalizeDisplayName, normalizeEmail, PROFILE_FIELD_NAMES, type ProfilePatch, type User } from '../../domain/user.ts';
import { EVENT_SOURCE } from '../ensure-profile.ts';
import type { Db, NewUser } from '../ports.ts';
import type { AdminDeps } from './admin-deps.ts';
import type { IdentityChange } from './identity-port.ts';
import { inviteError } from './invite-user.ts';
import type { ItemError } from './service-batches.ts';
import { undoIdentityChange } from './undo-identity.ts';

type Deps = Pick<AdminDeps, 'db' | 'users' | 'cache' | 'outbox' | 'runInTx' | 'accounts' | 'accountStore' | 'logger'>;

export type UpsertItem = {
  index: number;
  externalId: string;
  email: string;
  displayName: string;
  firstName?: string | null;
  lastName?: string | null;
  locale?: string | null;
  timezone?: string | null;
};

export type UpsertResult =
  | { index: number; external_id: string; status: 'created' | 'updated' | 'unchanged'; id: string }
  | { index: number; external_id: string; status: 'invalid' | 'conflict' | 'failed' | 'skipped'; id?: string; error: ItemError };

const errorOf = (err: unknown): ItemError =>
  isAppError(err) ? { code: err.code, message: err.message, ...(err.options.details !== undefined && { details: err.options.details }) } : { code: 'SYS_001', message: 'Internal error' };

const profileOf = (item: UpsertItem): ProfilePatch => ({
  displayName: normalizeDisplayName(item.displayName),
  ...(item.firstName !== undefined && { firstName: item.firstName }),
  ...(item.lastName !== undefined && { lastName: item.lastName }),
  ...(item.locale !== undefined && { locale: item.locale }),
  ...(item.timezone !== undefined && { timezone: item.timezone }),
});

/**
 * POST /internal/users/batch-upsert (the sync service): people keyed by (source, external id).
 * - known key: profile fields and email brought in line (an email change goes to auth first);
 *   equal values change nothing and publish nothing, so running a batch twice changes nothing;
 * - unknown key, but a profile with that email and no key yet: linked to the key, then updated;
 *   one linked to another key is a `conflict`;
 * - nobody: auth creates the identity (source sync, invitation mailed by auth), the profile is
 *   created with the key and user.created;
 * - a known key that batch-deactivate banned for vanishing from this source: reactivated (auth
 *   status active first, then here with user.unbanned) and brought in line.
 */
export async function batchUpsertUsers(deps: Deps, source: string, items: readonly UpsertItem[]): Promise<UpsertResult[]> {
  const results: UpsertResult[] = [];
  const seen = new Set<string>();
  const unique: UpsertItem[] = [];
  for (const item of items) {
    if (seen.has(item.externalId)) {
      results.push({ index: item.index, external_id: item.externalId, status: 'invalid', error: { code: 'VAL_002', message: 'external_id appears twice in this batch', details: [{ field: 'external_id', issue: 'duplicate', message: 'Appears twice' }] } });
      continue;
    }
    seen.add(item.externalId);
    unique.push({ ...item, email: normalizeEmail(item.email) });
  }

  const byKey = new Map((await deps.accountStore.findByExternalIds(deps.db, source, unique.map((i) => i.externalId))).map((u) => [u.externalId!, u]));
  const unkeyed = unique.filter((i) => !byKey.has(i.externalId));
  const byEmail = new Map((await deps.accountStore.findByEmails(deps.db, unkeyed.map((i) => i.email))).map((u) => [u.email, u]));

  const toLink: { item: UpsertItem; user: User }[] = [];
  const toInvite: UpsertItem[] = [];
  for (const item of unkeyed) {
    const user = byEmail.get(item.email);
    if (!user) toInvite.push(item);
    // Linked to this very key by a concurrent run of the batch after the lookup by key: a known key.
    else if (user.externalSource === source && user.externalId === item.externalId) byKey.set(item.externalId, user);
    else if (user.externalSource !== null || user.externalId !== null) {
      results.push({ index: item.index, external_id: item.externalId, status: 'conflict', id: user.id, error: { code: 'BIZ_002', message: 'Email belongs to a user linked to another external record' } });
    } else toLink.push({ item, user });
  }

  // Email changes and reactivations of known people go to auth first, one by one; a refusal fails only that item.
  const toUpdate: { item: UpsertItem; user: User }[] = [];
  const emailsMoved: { user: User; change: IdentityChange }[] = [];
  const deactivated = await deps.accountStore.deactivatedBy(deps.db, source, [...byKey.values()].map((u) => u.id));
  for (const item of unique) {
    const user = byKey.get(item.externalId);
    if (!user) continue;
    if (user.status === 'deleted') {
      results.push({ index: item.index, external_id: item.externalId, status: 'skipped', id: user.id, error: { code: 'BIZ_001', message: 'The user has been deleted' } });
      continue;
    }
    const change: IdentityChange = { ...(item.email !== user.email && { email: item.email }), ...(deactivated.has(user.id) && { status: 'active' as const }) };
    if (Object.keys(change).length > 0) {
      try {
        await deps.accounts.updateIdentity(user.id, change);
        emailsMoved.push({ user, change });
      } catch (err) {
        results.push({ index: item.index, external_id: item.externalId, status: 'failed', id: user.id, error: errorOf(err) });
        continue;
      }
    }
    toUpdate.push({ item, user });
  }

  const invited = toInvite.length > 0 ? await deps.accounts.invite(toInvite.map((i) => ({ email: i.email, displayName: i.displayName })), { source: 'sync', invitedBy: null }) : [];

  const touched: string[] = [];
  const write = () => deps.runInTx(async (tx) => {
    const key = (item: UpsertItem) => ({ source, externalId: item.externalId });
    // Known people whose only changes are profile fields: one UPDATE and one outbox statement for all.
    const plain = toUpdate.filter(({ item, user }) => byKey.has(item.externalId) && item.email === user.email && !deactivated.has(user.id));
    const profileChanges: { id: string; patch: ProfilePatch; names: string[] }[] = [];
    for (const { item, user } of plain) {
      const patch = profileOf(item);
      const changed = changedFields(user, patch);
      if (changed.length > 0) {
        profileChanges.push({ id: user.id, patch: Object.fromEntries(changed.map((k) => [k, patch[k]])), names: changed.map((k) => PROFILE_FIELD_NAMES[k]) });
        touched.push(user.id);
      }
      results.push({ index: item.index, external_id: item.externalId, status: changed.length > 0 ? 'updated' : 'unchanged', id: user.id });
    }
    await deps.users.updateProfiles(tx, profileChanges, { actorId: null });
    await deps.outbox.addMany(tx, profileChanges.map((c) => userUpdated.create({ user_id: c.id, changed: c.names }, { source: EVENT_SOURCE, subject: c.id })));
    const plainSet = new Set(plain);
    for (const { item, user } of [...toUpdate.filter((u) => !plainSet.has(u)), ...toLink]) {
      const linking = !byKey.has(item.externalId);
      let status = await applyItem(deps, tx, user, item, linking ? key(item) : null);
      if (deactivated.has(user.id)) {
        await deps.users.updateAccount(tx, user.id, { status: 'active', banReason: null, bannedUntil: null }, { actorId: null });
        await deps.outbox.add(tx, userUnbanned.create({ user_id: user.id, unbanned_by: null }, { source: EVENT_SOURCE, subject: user.id }));
        status = 'updated';
      }
      if (status === 'updated') touched.push(user.id);
      results.push({ index: item.index, external_id: item.externalId, status, id: user.id });
    }
    // New profiles in one statement (the first item of each id), their user.created in another;
    // the ones that were already there go through the item-by-item path below.
    const newProfiles = new Map<string, NewUser>();
    for (const [position, outcome] of invited.entries()) {
      if (outcome.status === 'invalid' || newProfiles.has(outcome.id)) continue;
      newProfiles.set(outcome.id, newProfileOf(toInvite[position]!, outcome, source));
    }
    const inserted = new Map((await deps.users.insertManyIfAbsent(tx, [...newProfiles.values()])).map((u) => [u.id, u]));
    await deps.outbox.addMany(tx, [...newProfiles.keys()].flatMap((id) => {
      const u = inserted.get(id);
      return u ? [userCreated.create({ user_id: u.id, email: u.email, display_name: u.displayName, role: u.role, created_by: u.createdBy }, { source: EVENT_SOURCE, subject: u.id })] : [];
    }));
    for (const [position, outcome] of invited.entries()) {
      const item = toInvite[position]!;
      if (outcome.status === 'invalid') {
        const err = inviteError(outcome);
        results.push({ index: item.index, external_id: item.externalId, status: 'invalid', error: { code: err.code, message: err.message, details: err.options.details } });
        continue;
      }
      const created = inserted.get(outcome.id);
      if (created && created.externalId === item.externalId) {
        inserted.delete(outcome.id);
        results.push({ index: item.index, external_id: item.externalId, status: 'created', id: created.id });
        continue;
      }
      // The identity and its profile existed under the same id: a registration (link it), or a
      // concurrent run of the same batch that created it first (bring it in line).
      const existing = await deps.users.findByIdForUpdate(tx, outcome.id);
      if (existing && existing.externalSource === source && existing.externalId === item.externalId) {
        const status = await applyItem(deps, tx, existing, item, null);
        if (status === 'updated') touched.push(existing.id);
        results.push({ index: item.index, external_id: item.externalId, status, id: existing.id });
        continue;
      }
      if (!existing || existing.externalId !== null) {
        results.push({ index: item.index, external_id: item.externalId, status: 'conflict', id: outcome.id, error: { code: 'BIZ_002', message: 'Email belongs to a user linked to another external record' } });
        continue;
      }
      await applyItem(deps, tx, existing, item, key(item));
      touched.push(existing.id);
      results.push({ index: item.index, external_id: item.externalId, status: 'updated', id: existing.id });
    }
  });
  try {
    await write();
  } catch (err) {
    // The emails auth already took go back to the ones still committed here.
    for (const { user, change } of emailsMoved) await undoIdentityChange(deps, user, change);
    throw err;
  }
  if (touched.length > 0) await deps.cache.invalidate(...touched);
  return results.sort((a, b) => a.index - b.index);
}

const newProfileOf = (item: UpsertItem, outcome: { id: string; email: string }, source: string): NewUser => {
  const profile = profileOf(item);
  return {
    id: outcome.id, email: outcome.email, displayName: profile.displayName!, firstName: profile.firstName ?? null, lastName: profile.lastName ?? null,
    locale: profile.locale ?? null, timezone: profile.timezone ?? null, externalSource: source, externalId: item.externalId, createdBy: null,
  };
};

/** Brings one profile in line with its external record (auth already has the new email). */
async function applyItem(deps: Deps, tx: Db, user: User, item: UpsertItem, link: { source: string; externalId: string } | null): Promise<'updated' | 'unchanged'> {
  const patch = profileOf(item);
  const changed = changedFields(user, patch);
  const emailChanged = item.email !== user.email;
  if (changed.length === 0 && !emailChanged && !link) return 'unchanged';
  const meta = { actorId: null };
  if (link) await deps.accountStore.setExternalKey(tx, user.id, link, meta);
  if (emailChanged) await deps.users.updateAccount(tx, user.id, { email: item.email }, meta);
  if (changed.length > 0) await deps.users.updateProfile(tx, user.id, Object.fromEntries(changed.map((k) => [k, patch[k]])), meta);
  const names = [...changed.map((k) => PROFILE_FIELD_NAMES[k]), ...(emailChanged ? ['email'] : []), ...(link ? ['external_id'] : [])];
  const event: EventEnvelope = userUpdated.create({ user_id: user.id, changed: names }, { source: EVENT_SOURCE, subject: user.id });
  await deps.outbox.add(tx, event);
  return 'updated';
}
