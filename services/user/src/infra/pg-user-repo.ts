import { fromPgError } from '@platform/shared/errors';
import { readStoredSettings } from '../domain/settings.ts';
import { userErrors } from '../domain/user-errors.ts';
import type { ProfilePatch, User, UserRole, UserStatus } from '../domain/user.ts';
import type { AccountPatch, Db, NewUser, UserRepo, WriteMeta } from '../usecases/ports.ts';

export const USER_COLUMNS = `id, email, display_name, first_name, last_name, avatar_file_id, bio, locale, timezone, role, status,
  ban_reason, banned_until, settings, external_source, external_id, created_at, updated_at, created_by, updated_by, deleted_at, version`;

export type UserRow = {
  id: string;
  email: string;
  display_name: string;
  first_name: string | null;
  last_name: string | null;
  avatar_file_id: string | null;
  bio: string | null;
  locale: string | null;
  timezone: string | null;
  role: UserRole;
  status: UserStatus;
  ban_reason: string | null;
  banned_until: Date | null;
  settings: unknown;
  external_source: string | null;
  external_id: string | null;
  created_at: Date;
  updated_at: Date;
  created_by: string | null;
  updated_by: string | null;
  deleted_at: Date | null;
  version: number;
};

export const toUser = (r: UserRow): User => ({
  id: r.id,
  email: r.email,
  displayName: r.display_name,
  firstName: r.first_name,
  lastName: r.last_name,
  avatarFileId: r.avatar_file_id,
  bio: r.bio,
  locale: r.locale,
  timezone: r.timezone,
  role: r.role,
  status: r.status,
  banReason: r.ban_reason,
  bannedUntil: r.banned_until,
  settings: readStoredSettings(r.settings),
  externalSource: r.external_source,
  externalId: r.external_id,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
  createdBy: r.created_by,
  updatedBy: r.updated_by,
  deletedAt: r.deleted_at,
  version: r.version,
});

// camelCase field -> column, the only place the update statements learn column names from.
const PROFILE_COLUMNS: Readonly<Record<keyof ProfilePatch, string>> = {
  displayName: 'display_name',
  firstName: 'first_name',
  lastName: 'last_name',
  avatarFileId: 'avatar_file_id',
  bio: 'bio',
  locale: 'locale',
  timezone: 'timezone',
};
const ACCOUNT_COLUMNS: Readonly<Record<keyof AccountPatch, string>> = {
  email: 'email',
  role: 'role',
  status: 'status',
  banReason: 'ban_reason',
  bannedUntil: 'banned_until',
  deletedAt: 'deleted_at',
};

/**
 * UPDATE … SET <given columns>, version + 1 WHERE id (AND version when expected). A row that exists
 * at another version answers staleVersion with its current version; no row answers notFound.
 */
async function update(db: Db, id: string, sets: [string, unknown][], meta: WriteMeta): Promise<User> {
  const params: unknown[] = [id, meta.actorId];
  const assignments = sets.map(([column, value]) => {
    params.push(value);
    return `${column} = $${params.length}`;
  });
  let where = 'id = $1';
  if (meta.expectedVersion !== undefined) {
    params.push(meta.expectedVersion);
    where += ` AND version = $${params.length}`;
  }
  let rows: UserRow[];
  try {
    ({ rows } = await db.query<UserRow>(
      `UPDATE users.users SET ${[...assignments, 'updated_by = $2', 'updated_at = now()', 'version = version + 1'].join(', ')}
       WHERE ${where} RETURNING ${USER_COLUMNS}`,
      params,
    ));
  } catch (err) {
    if ((err as { constraint?: string }).constraint === 'users_email_key') throw userErrors.emailTaken();
    throw fromPgError(err, 'user');
  }
  if (rows[0]) return toUser(rows[0]);
  const current = await db.query<{ version: number }>('SELECT version FROM users.users WHERE id = $1', [id]);
  if (current.rows[0]) throw userErrors.staleVersion(current.rows[0].version);
  throw userErrors.notFound(id);
}

export function createPgUserRepo(): UserRepo {
  return {
    async findById(db, id) {
      const { rows } = await db.query<UserRow>(`SELECT ${USER_COLUMNS} FROM users.users WHERE id = $1`, [id]);
      return rows[0] ? toUser(rows[0]) : null;
    },
    async findByIdForUpdate(tx, id) {
      const { rows } = await tx.query<UserRow>(`SELECT ${USER_COLUMNS} FROM users.users WHERE id = $1 FOR UPDATE`, [id]);
      return rows[0] ? toUser(rows[0]) : null;
    },
    async findManyByIds(db, ids) {
      if (ids.length === 0) return [];
      const { rows } = await db.query<UserRow>(`SELECT ${USER_COLUMNS} FROM users.users WHERE id = ANY($1::uuid[])`, [ids]);
      return rows.map(toUser);
    },
    async insertIfAbsent(tx, u) {
      try {
        const { rows } = await tx.query<UserRow>(
          `INSERT INTO users.users (id, email, display_name, role, status, first_name, last_name, locale, timezone,
             external_source, external_id, created_by, updated_by)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $12)
           ON CONFLICT DO NOTHING RETURNING ${USER_COLUMNS}`,
          [u.id, u.email.toLowerCase(), u.displayName, u.role ?? 'user', u.status ?? 'active', u.firstName ?? null, u.lastName ?? null,
            u.locale ?? null, u.timezone ?? null, u.externalSource ?? null, u.externalId ?? null, u.createdBy ?? null],
        );
        return rows[0] ? toUser(rows[0]) : null;
      } catch (err) {
        throw fromPgError(err, 'user');
      }
    },
    async insertManyIfAbsent(tx, users) {
      if (users.length === 0) return [];
      // Sorted by id, so two overlapping batches lock the same rows in the same order (no deadlock).
      const sorted = [...users].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
      const col = <T>(f: (u: NewUser) => T) => sorted.map(f);
      try {
        const { rows } = await tx.query<UserRow>(
          `INSERT INTO users.users (id, email, display_name, role, status, first_name, last_name, locale, timezone,
             external_source, external_id, created_by, updated_by)
           SELECT id, email, display_name, role, status, first_name, last_name, locale, timezone, external_source, external_id, created_by, created_by
             FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[],
                         $10::text[], $11::text[], $12::uuid[])
               AS t(id, email, display_name, role, status, first_name, last_name, locale, timezone, external_source, external_id, created_by)
           ON CONFLICT DO NOTHING RETURNING ${USER_COLUMNS}`,
          [col((u) => u.id), col((u) => u.email.toLowerCase()), col((u) => u.displayName), col((u) => u.role ?? 'user'), col((u) => u.status ?? 'active'),
            col((u) => u.firstName ?? null), col((u) => u.lastName ?? null), col((u) => u.locale ?? null), col((u) => u.timezone ?? null),
            col((u) => u.externalSource ?? null), col((u) => u.externalId ?? null), col((u) => u.createdBy ?? null)],
        );
        return rows.map(toUser);
      } catch (err) {
        throw fromPgError(err, 'user');
      }
    },
    updateProfile(tx, id, patch, meta) {
      const sets = (Object.keys(PROFILE_COLUMNS) as (keyof ProfilePatch)[])
        .filter((k) => patch[k] !== undefined)
        .map((k): [string, unknown] => [PROFILE_COLUMNS[k], patch[k]]);
      return update(tx, id, sets, meta);
    },
    async updateProfiles(tx, patches, meta) {
      if (patches.length === 0) return;
      // Sorted by id, so two overlapping batches lock the same rows in the same order (no deadlock).
      const sorted = [...patches].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
      const keys = Object.keys(PROFILE_COLUMNS) as (keyof ProfilePatch)[];
      // Per column: the new values and whether each row sets it (undefined leaves it, null clears it).
      const params: unknown[] = [sorted.map((p) => p.id), meta.actorId];
      const inputs: string[] = ['$1::uuid[]'];
      const names: string[] = ['id'];
      const assignments = keys.map((k, i) => {
        const column = PROFILE_COLUMNS[k];
        params.push(sorted.map((p) => p.patch[k] !== undefined), sorted.map((p) => p.patch[k] ?? null));
        inputs.push(`$${params.length - 1}::boolean[]`, `$${params.length}::${k === 'avatarFileId' ? 'uuid' : 'text'}[]`);
        names.push(`s${i}`, `v${i}`);
        return `${column} = CASE WHEN t.s${i} THEN t.v${i} ELSE u.${column} END`;
      });
      try {
        await tx.query(
          `UPDATE users.users AS u SET ${[...assignments, 'updated_by = $2', 'updated_at = now()', 'version = u.version + 1'].join(', ')}
             FROM unnest(${inputs.join(', ')}) AS t(${names.join(', ')}) WHERE u.id = t.id`,
          params,
        );
      } catch (err) {
        throw fromPgError(err, 'user');
      }
    },
    replaceSettings(tx, id, settings, meta) {
      return update(tx, id, [['settings', JSON.stringify(settings)]], meta);
    },
    updateAccount(tx, id, patch, meta) {
      const sets = (Object.keys(ACCOUNT_COLUMNS) as (keyof AccountPatch)[])
        .filter((k) => patch[k] !== undefined)
        .map((k): [string, unknown] => [ACCOUNT_COLUMNS[k], k === 'email' ? (patch.email as string).toLowerCase() : patch[k]]);
      // Any other change of status ends a deactivation by a sync source (batch-deactivate).
      if (patch.status !== undefined) sets.push(['deactivated_by_source', null]);
      return update(tx, id, sets, meta);
    },
  };
}
