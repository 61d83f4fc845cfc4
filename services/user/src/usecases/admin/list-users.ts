import type { UserRole, UserStatus } from '../../domain/user.ts';
import type { AdminDeps } from './admin-deps.ts';
import type { ListCursor, SortOrder, UserListPage, UserSortField } from './list-port.ts';

export type ListParams = {
  sort: { field: UserSortField; order: SortOrder };
  limit: number;
  offset: number;
  cursor?: ListCursor;
};

/** GET /users: the directory every signed-in user sees; active people only, name search only. */
export function listDirectory(deps: Pick<AdminDeps, 'userList'>, q: { q?: string; role?: UserRole } & ListParams): Promise<UserListPage> {
  return deps.userList.list({
    filter: { statuses: ['active'], ...(q.role && { role: q.role }), ...(q.q && { q: q.q }) },
    sort: q.sort, limit: q.limit, offset: q.offset, ...(q.cursor && { cursor: q.cursor }),
  });
}

export type AdminListFilter = { status?: UserStatus; role?: UserRole; q?: string; createdFrom?: Date; createdTo?: Date };

/** Deleted users appear in the admin list only when asked for with status=deleted. */
export const adminStatuses = (status?: UserStatus): UserStatus[] => (status ? [status] : ['active', 'banned']);

/** GET /admin/users: every filter, names and emails searched. */
export function listUsersForAdmin(deps: Pick<AdminDeps, 'userList'>, f: AdminListFilter & ListParams): Promise<UserListPage> {
  return deps.userList.list({
    filter: {
      statuses: adminStatuses(f.status), searchEmail: true,
      ...(f.role && { role: f.role }), ...(f.q && { q: f.q }),
      ...(f.createdFrom && { createdFrom: f.createdFrom }), ...(f.createdTo && { createdTo: f.createdTo }),
    },
    sort: f.sort, limit: f.limit, offset: f.offset, ...(f.cursor && { cursor: f.cursor }),
  });
}
