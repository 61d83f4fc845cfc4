import type { Pool } from '@platform/shared/db';
import type { ServiceClient } from '@platform/shared/service-client';
import type { AdminPorts } from '../usecases/admin/admin-deps.ts';
import { createAuthAccounts } from './clients/auth-client.ts';
import { createPgAccountStore } from './pg-account-store.ts';
import { createPgAdminQueries } from './pg-admin-queries.ts';
import { createPgUserDeletionRepo } from './pg-user-deletion-repo.ts';
import { createPgUserListQuery } from './pg-user-list-query.ts';

/** The adapters behind the administration ports, over the pool and auth's API client wiring.ts opened. */
export function createAdminAdapters({ pool, authApi }: { pool: Pool; authApi: ServiceClient }): AdminPorts {
  return {
    accounts: createAuthAccounts(authApi),
    accountStore: createPgAccountStore(),
    deletions: createPgUserDeletionRepo(),
    userList: createPgUserListQuery(pool),
    adminReads: createPgAdminQueries(pool),
  };
}
