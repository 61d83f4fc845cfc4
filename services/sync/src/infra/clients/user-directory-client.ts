import type { ServiceClient } from '@platform/shared/service-client';
import type { ImportedUser } from '../../domain/imported-user.ts';
import type { UpsertOutcome, UserDirectory } from '../../usecases/ports.ts';

type ResultItem = {
  index: number;
  status: string;
  id?: string;
  error?: { code?: string; message?: string; details?: { field?: string }[] };
};

const BASE = '/api/v1/internal/users';

/**
 * The user service's import API through the shared breaker client: POST batch-upsert keyed by
 * (external_source, external_id); a new person gets an identity and an invitation there. The call
 * is idempotent (the same batch twice changes nothing), so it is retried on timeouts and 5xx.
 */
export function createUserDirectoryClient(api: ServiceClient, { timeoutMs }: { timeoutMs?: number } = {}): UserDirectory {
  return {
    async batchUpsert(source, users) {
      const answer = await api.post<{ results: ResultItem[] }>(`${BASE}/batch-upsert`, {
        body: { source, users: users.map(toWire) },
        idempotent: true,
        ...(timeoutMs && { timeoutMs }),
      });
      const byIndex = new Map(answer.results.map((r) => [r.index, r]));
      return users.map((u, index): UpsertOutcome => {
        const r = byIndex.get(index);
        if (!r) return { externalId: u.externalId, status: 'invalid', message: 'The user service gave no answer for this record', field: null };
        if ((r.status === 'created' || r.status === 'updated' || r.status === 'unchanged') && r.id) {
          return { externalId: u.externalId, status: r.status, userId: r.id };
        }
        if (r.status === 'exists' && r.id) return { externalId: u.externalId, status: 'updated', userId: r.id };
        return {
          externalId: u.externalId,
          status: 'invalid',
          message: r.error?.message ?? `Refused by the user service (${r.status})`,
          field: r.error?.details?.[0]?.field ?? null,
        };
      });
    },
    async deactivate(source, externalIds) {
      const answer = await api.post<{ results: ResultItem[] }>(`${BASE}/batch-upsert`, {
        body: { source, deactivate: externalIds },
        idempotent: true,
        ...(timeoutMs && { timeoutMs }),
      });
      return { deactivated: answer.results.filter((r) => r.status === 'updated' || r.status === 'deactivated').length };
    },
  };
}

const toWire = (u: ImportedUser) => ({
  external_id: u.externalId,
  email: u.email,
  display_name: u.displayName,
  first_name: u.firstName,
  last_name: u.lastName,
  locale: u.locale,
  timezone: u.timezone,
});
