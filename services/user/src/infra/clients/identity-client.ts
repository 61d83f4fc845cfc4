import { isAppError } from '@platform/shared/errors';
import type { ServiceClient } from '@platform/shared/service-client';
import type { UserRole, UserStatus } from '../../domain/user.ts';
import type { Identity, IdentityDirectory } from '../../usecases/ports.ts';

type IdentityJson = { id: string; email: string; display_name: string; role: UserRole; status: UserStatus; email_verified: boolean };

/** auth's GET /internal/users/:id through the shared breaker client (EXT_* when auth cannot answer). */
export function createIdentityClient(auth: ServiceClient): IdentityDirectory {
  return {
    async getIdentity(id) {
      try {
        const u = await auth.get<IdentityJson>(`/api/v1/internal/users/${encodeURIComponent(id)}`);
        return { id: u.id, email: u.email, displayName: u.display_name, role: u.role, status: u.status, emailVerified: u.email_verified } satisfies Identity;
      } catch (err) {
        if (isAppError(err) && err.code === 'BIZ_001') return null;
        throw err;
      }
    },
  };
}
