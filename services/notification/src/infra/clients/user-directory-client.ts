import { isAppError } from '@platform/shared/errors';
import type { ServiceClient } from '@platform/shared/service-client';
import { RetryLaterError } from '../../domain/notification-errors.ts';
import type { DirectoryEntry } from '../../domain/recipient.ts';
import type { UserDirectory } from '../../usecases/ports.ts';

type LookupUser = { id: string; email: string; display_name?: string | null; locale?: string | null; timezone?: string | null; status?: string };
type LookupAnswer = { users?: LookupUser[]; missing?: string[] };

const BATCH = 100;

/**
 * The user service's POST /api/v1/internal/users/lookup {ids} → {users, missing}, through the shared
 * breaker client. Down, timing out or with its breaker open, it throws RetryLaterError: the event
 * waits in a retry queue and is handled when the user service is back. A 4xx is a bug on our side
 * and surfaces as it is.
 */
export function createUserDirectoryClient(client: ServiceClient): UserDirectory {
  return {
    async lookup(ids) {
      const unique = [...new Set(ids)];
      const out = new Map<string, DirectoryEntry>();
      for (let i = 0; i < unique.length; i += BATCH) {
        let answer: LookupAnswer;
        try {
          // A lookup changes nothing: safe to retry.
          answer = await client.post<LookupAnswer>('/api/v1/internal/users/lookup', { body: { ids: unique.slice(i, i + BATCH) }, idempotent: true });
        } catch (err) {
          if (isAppError(err) && err.status < 500) throw err;
          throw new RetryLaterError('the user service cannot look up recipients right now', { cause: err });
        }
        for (const u of answer?.users ?? []) {
          out.set(u.id, {
            id: u.id,
            email: u.email,
            displayName: u.display_name ?? u.email,
            locale: u.locale ?? null,
            timeZone: u.timezone ?? null,
            status: u.status ?? 'active',
          });
        }
      }
      return out;
    },
  };
}
