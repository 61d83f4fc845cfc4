import type { ServiceClient } from '@platform/shared/service-client';
import type { UserRecords } from '../../usecases/change-feed-ports.ts';

/**
 * The user service's POST /internal/users/lookup through the shared breaker client (a read, so it is
 * retried on timeouts and 5xx). Errors (EXT_* while the service is down or the breaker is open)
 * propagate: the event is retried later.
 */
export function createUserRecordClient(api: ServiceClient): UserRecords {
  return {
    async lookup(userId) {
      const answer = await api.post<{ users: Record<string, unknown>[]; missing: string[] }>('/api/v1/internal/users/lookup', {
        body: { ids: [userId] },
        idempotent: true,
      });
      return answer.users.find((u) => u.id === userId) ?? null;
    },
  };
}
