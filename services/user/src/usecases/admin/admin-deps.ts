import type { UserDeps } from '../deps.ts';
import type { AccountStore } from './account-store-port.ts';
import type { AdminReads } from './admin-reads-port.ts';
import type { UserDeletionRepo } from './deletion-port.ts';
import type { IdentityProvider } from './identity-port.ts';
import type { UserListQuery } from './list-port.ts';

/** What the administration, account-change, saga and service-route use cases need beyond the core. */
export type AdminPorts = {
  /** auth's internal API (role, status, email, invitations, login records). */
  accounts: IdentityProvider;
  accountStore: AccountStore;
  deletions: UserDeletionRepo;
  userList: UserListQuery;
  adminReads: AdminReads;
};

export type AdminDeps = UserDeps & AdminPorts;
