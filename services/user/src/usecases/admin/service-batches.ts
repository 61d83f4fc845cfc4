import { userUpdated } from '@platform/shared/events';
import { changedFields, PROFILE_FIELD_NAMES, type ProfilePatch } from '../../domain/user.ts';
import { EVENT_SOURCE, insertProfile } from '../ensure-profile.ts';
import type { AdminDeps } from './admin-deps.ts';
import { inviteError } from './invite-user.ts';

type Deps = Pick<AdminDeps, 'db' | 'users' | 'cache' | 'outbox' | 'runInTx' | 'accounts'>;

export type ItemError = { code: string; message: string; details?: unknown };

/** One line of a batch answer, by the index of the item in the request. */
export type BatchResult =
  | { index: number; status: 'created' | 'exists' | 'updated' | 'unchanged'; id: string; version?: number }
  | { index: number; status: 'not_found'; id: string; error: ItemError }
  | { index: number; status: 'invalid'; id?: string; error: ItemError };

export type NewProfileItem = {
  index: number;
  email: string;
  displayName: string;
  firstName?: string | null;
  lastName?: string | null;
  locale?: string | null;
  timezone?: string | null;
};

/**
 * POST /services/users/batch: auth creates the identities (one call per 500, invitation mailed by
 * auth), then the profiles are created in one transaction, each with user.created. An email auth
 * already knows is `exists` (its missing profile, if a previous attempt stopped half-way, is created
 * now), so a retried batch creates nobody twice. Services cannot create admins.
 */
export async function createUsersBatch(deps: Deps, items: readonly NewProfileItem[]): Promise<BatchResult[]> {
  if (items.length === 0) return [];
  const outcomes = await deps.accounts.invite(items.map((i) => ({ email: i.email, displayName: i.displayName })), { source: 'service', invitedBy: null });
  return deps.runInTx(async (tx) => {
    const results: BatchResult[] = [];
    for (const [position, outcome] of outcomes.entries()) {
      const item = items[position]!;
      if (outcome.status === 'invalid') {
        const err = inviteError(outcome);
        results.push({ index: item.index, status: 'invalid', error: { code: err.code, message: err.message, details: err.options.details } });
        continue;
      }
      const created = await insertProfile(deps, tx, {
        id: outcome.id, email: outcome.email, displayName: item.displayName.trim().replace(/\s+/g, ' '),
        firstName: item.firstName ?? null, lastName: item.lastName ?? null, locale: item.locale ?? null, timezone: item.timezone ?? null,
        createdBy: null,
      });
      results.push({ index: item.index, status: outcome.status === 'created' ? 'created' : 'exists', id: outcome.id, ...(created && { version: created.version }) });
    }
    return results;
  });
}

export type ProfileUpdateItem = { index: number; id: string; patch: ProfilePatch };

/**
 * POST /services/users/bulk-update: profile fields of many users in one transaction. Per item:
 * `updated` (user.updated published), `unchanged`, or `not_found` (no such user, or deleted).
 */
export async function bulkUpdateUsers(deps: Deps, items: readonly ProfileUpdateItem[]): Promise<BatchResult[]> {
  const touched = new Set<string>();
  const results = await deps.runInTx(async (tx) => {
    const out: BatchResult[] = [];
    for (const item of items) {
      const user = await deps.users.findByIdForUpdate(tx, item.id);
      if (!user || user.status === 'deleted') {
        out.push({ index: item.index, status: 'not_found', id: item.id, error: { code: 'BIZ_001', message: `User ${item.id} not found` } });
        continue;
      }
      const changed = changedFields(user, item.patch);
      if (changed.length === 0) {
        out.push({ index: item.index, status: 'unchanged', id: item.id, version: user.version });
        continue;
      }
      const next = await deps.users.updateProfile(tx, item.id, Object.fromEntries(changed.map((k) => [k, item.patch[k]])), { actorId: null });
      await deps.outbox.add(tx, userUpdated.create({ user_id: item.id, changed: changed.map((k) => PROFILE_FIELD_NAMES[k]) }, { source: EVENT_SOURCE, subject: item.id }));
      touched.add(item.id);
      out.push({ index: item.index, status: 'updated', id: item.id, version: next.version });
    }
    return out;
  });
  if (touched.size > 0) await deps.cache.invalidate(...touched);
  return results;
}
