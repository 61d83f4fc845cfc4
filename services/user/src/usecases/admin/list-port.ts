import type { User, UserRole, UserStatus } from '../../domain/user.ts';

/** Sortable fields; each has an index with id as the tie-break, so every page is an index range. */
export const DIRECTORY_SORT_FIELDS = ['created_at', 'display_name'] as const;
export const ADMIN_SORT_FIELDS = ['created_at', 'display_name', 'email'] as const;
export type UserSortField = (typeof ADMIN_SORT_FIELDS)[number];
export type SortOrder = 'asc' | 'desc';

export type UserListFilter = {
  /** Empty: any status. */
  statuses: readonly UserStatus[];
  role?: UserRole;
  /** Substring of the display name (and of the email when searchEmail), case-insensitive. */
  q?: string;
  searchEmail?: boolean;
  createdFrom?: Date;
  createdTo?: Date;
};

/** Where the previous page ended: the sort value (as text) and the id of its last row. */
export type ListCursor = { field: UserSortField; order: SortOrder; value: string; id: string };

export type UserListRequest = {
  filter: UserListFilter;
  sort: { field: UserSortField; order: SortOrder };
  limit: number;
  offset: number;
  cursor?: ListCursor;
};

export type UserListPage = {
  items: User[];
  /** Exact up to the count threshold; beyond it the planner's estimate (totalEstimated). */
  total: number;
  totalEstimated: boolean;
  hasNext: boolean;
  /** Where the next page starts (keyset), null on the last page. */
  nextCursor: ListCursor | null;
};

/** One query module behind GET /users (directory) and GET /admin/users. */
export type UserListQuery = {
  list(req: UserListRequest): Promise<UserListPage>;
};
