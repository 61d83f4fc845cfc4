import { fromPgError } from '@platform/shared/errors';
import { authErrors } from '../domain/auth-errors.ts';
import type { User, UserRole, UserStatus } from '../domain/user.ts';
import type { UserRepo } from '../usecases/ports.ts';

export const USER_COLUMNS = 'id, email, password_hash, display_name, role, status, email_verified, last_login_at, created_at, updated_at, version';

export type UserRow = {
  id: string;
  email: string;
  password_hash: string | null;
  display_name: string;
  role: UserRole;
  status: UserStatus;
  email_verified: boolean;
  last_login_at: Date | null;
  created_at: Date;
  updated_at: Date;
  version: number;
};

export const toUser = (r: UserRow): User => ({
  id: r.id,
  email: r.email,
  passwordHash: r.password_hash,
  displayName: r.display_name,
  role: r.role,
  status: r.status,
  emailVerified: r.email_verified,
  lastLoginAt: r.last_login_at,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
  version: r.version,
});

const INSERT = `INSERT INTO auth.users (email, password_hash, display_name, role, email_verified) VALUES ($1, $2, $3, $4, $5)`;

export function createPgUserRepo(): UserRepo {
  return {
    async findById(db, id) {
      const { rows } = await db.query<UserRow>(`SELECT ${USER_COLUMNS} FROM auth.users WHERE id = $1`, [id]);
      return rows[0] ? toUser(rows[0]) : null;
    },
    async findByEmail(db, email) {
      const { rows } = await db.query<UserRow>(`SELECT ${USER_COLUMNS} FROM auth.users WHERE email = $1`, [email]);
      return rows[0] ? toUser(rows[0]) : null;
    },
    async insert(tx, u) {
      try {
        const { rows } = await tx.query<UserRow>(`${INSERT} RETURNING ${USER_COLUMNS}`, [u.email, u.passwordHash, u.displayName, u.role, u.emailVerified]);
        return toUser(rows[0]!);
      } catch (err) {
        const mapped = fromPgError(err, 'user');
        throw (mapped as { code?: string }).code === 'BIZ_002' ? authErrors.emailTaken() : mapped;
      }
    },
    async insertIfAbsent(tx, u) {
      const { rows } = await tx.query<UserRow>(`${INSERT} ON CONFLICT (email) DO NOTHING RETURNING ${USER_COLUMNS}`,
        [u.email, u.passwordHash, u.displayName, u.role, u.emailVerified]);
      return rows[0] ? toUser(rows[0]) : null;
    },
    async insertManyIfAbsent(tx, users) {
      if (users.length === 0) return [];
      const { rows } = await tx.query<UserRow>(
        `INSERT INTO auth.users (email, password_hash, display_name, role, email_verified)
           SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::boolean[])
           ON CONFLICT (email) DO NOTHING RETURNING ${USER_COLUMNS}`,
        [users.map((u) => u.email), users.map((u) => u.passwordHash), users.map((u) => u.displayName), users.map((u) => u.role), users.map((u) => u.emailVerified)]);
      return rows.map(toUser);
    },
    async findByEmails(db, emails) {
      if (emails.length === 0) return [];
      const { rows } = await db.query<UserRow>(`SELECT ${USER_COLUMNS} FROM auth.users WHERE email = ANY($1::text[])`, [emails]);
      return rows.map(toUser);
    },
    async hasAdmin(db) {
      const { rows } = await db.query(`SELECT 1 FROM auth.users WHERE role = 'admin' AND status <> 'deleted' LIMIT 1`);
      return rows.length > 0;
    },
    async recordLogin(tx, id, newPasswordHash) {
      await tx.query(
        `UPDATE auth.users SET last_login_at = now(), password_hash = COALESCE($2, password_hash) WHERE id = $1`,
        [id, newPasswordHash ?? null]);
    },
    async findByIdForUpdate(tx, id) {
      const { rows } = await tx.query<UserRow>(`SELECT ${USER_COLUMNS} FROM auth.users WHERE id = $1 FOR UPDATE`, [id]);
      return rows[0] ? toUser(rows[0]) : null;
    },
    async findManyByIds(db, ids) {
      const { rows } = await db.query<UserRow>(`SELECT ${USER_COLUMNS} FROM auth.users WHERE id = ANY($1::uuid[])`, [ids]);
      return rows.map(toUser);
    },
    async setPassword(tx, id, passwordHash, opts = {}) {
      const { rows } = await tx.query<UserRow>(
        `UPDATE auth.users SET password_hash = $2, email_verified = email_verified OR $3, updated_at = now(), version = version + 1
          WHERE id = $1 RETURNING ${USER_COLUMNS}`,
        [id, passwordHash, opts.verifyEmail ?? false]);
      return toUser(rows[0]!);
    },
    async markEmailVerified(tx, id) {
      const { rows } = await tx.query<UserRow>(
        `UPDATE auth.users SET email_verified = true, updated_at = now(), version = version + 1 WHERE id = $1 RETURNING ${USER_COLUMNS}`, [id]);
      return toUser(rows[0]!);
    },
    async updateIdentity(tx, id, patch) {
      try {
        const { rows } = await tx.query<UserRow>(
          `UPDATE auth.users SET role = COALESCE($2, role), status = COALESCE($3, status), email = COALESCE($4, email),
                  email_verified = COALESCE($5, email_verified), updated_at = now(), version = version + 1
            WHERE id = $1 RETURNING ${USER_COLUMNS}`,
          [id, patch.role ?? null, patch.status ?? null, patch.email ?? null, patch.emailVerified ?? null]);
        return toUser(rows[0]!);
      } catch (err) {
        const mapped = fromPgError(err, 'user');
        throw (mapped as { code?: string }).code === 'BIZ_002' ? authErrors.emailTaken() : mapped;
      }
    },
    async lockActiveAdmins(tx) {
      const { rows } = await tx.query<{ id: string }>(
        `SELECT id FROM auth.users WHERE role = 'admin' AND status = 'active' ORDER BY id FOR UPDATE`);
      return rows.map((r) => r.id);
    },
  };
}
