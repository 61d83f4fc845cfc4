import { AppError } from '@platform/shared/errors';
import type { ServiceClient } from '@platform/shared/service-client';
import type { ImportedUser } from '../../domain/imported-user.ts';
import type { UpsertOutcome, UserDirectory } from '../../usecases/ports.ts';

type ResultItem = {
  index: number;
  external_id?: string;
  status: string;
  id?: string;
  error?: { code?: string; message?: string; details?: unknown };
};

const BASE = '/api/v1/internal/users';

const fieldOf = (details: unknown): string | null => {
  const first = Array.isArray(details) ? (details[0] as { field?: unknown } | undefined) : undefined;
  return typeof first?.field === 'string' ? first.field : null;
};

/** An item the user service could not finish because one of its own upstreams (auth) was unavailable. */
const upstreamDown = (r: ResultItem) => r.status === 'failed' && typeof r.error?.code === 'string' && r.error.code.startsWith('EXT_');

/**
 * The user service's import API through the shared breaker client. POST batch-upsert is keyed by
 * (source, external_id), creates identities (and invitations) for new people and changes nothing for
 * equal records, so a batch may be sent again: it is retried on timeouts and 5xx, and a batch whose
 * items failed because auth was down is sent again as a whole once it is back.
 */
export function createUserDirectoryClient(api: ServiceClient, { timeoutMs }: { timeoutMs?: number } = {}): UserDirectory {
  return {
    async batchUpsert(source, users) {
      const answer = await api.post<{ results: ResultItem[] }>(`${BASE}/batch-upsert`, {
        body: { source, users: users.map(toWire) },
        idempotent: true,
        ...(timeoutMs && { timeoutMs }),
      });
      if (answer.results.some(upstreamDown)) {
        throw new AppError('EXT_002', 'The user service could not reach the auth service', { cause: new Error('batch-upsert items failed with EXT_*') });
      }
      const byIndex = new Map(answer.results.map((r) => [r.index, r]));
      return users.map((u, index): UpsertOutcome => {
        const r = byIndex.get(index);
        if (r && (r.status === 'created' || r.status === 'updated' || r.status === 'unchanged') && r.id) {
          return { externalId: u.externalId, status: r.status, userId: r.id };
        }
        return {
          externalId: u.externalId,
          status: 'invalid',
          message: r?.error?.message ?? (r ? `Refused by the user service (${r.status})` : 'The user service gave no answer for this record'),
          field: fieldOf(r?.error?.details),
        };
      });
    },
    async deactivate(source, externalIds) {
      let answer: { results: ResultItem[] };
      try {
        answer = await api.post<{ results: ResultItem[] }>(`${BASE}/batch-deactivate`, {
          body: { source, external_ids: externalIds },
          idempotent: true,
          ...(timeoutMs && { timeoutMs }),
        });
      } catch (err) {
        // The user service is up but refuses (e.g. it has no such route yet): every id stays pending.
        if (err instanceof AppError && err.status < 500) {
          return { done: [], deactivated: 0, failed: externalIds.map((externalId) => ({ externalId, message: err.message })) };
        }
        throw err;
      }
      const byIndex = new Map(answer.results.map((r) => [r.index, r]));
      const out = { done: [] as string[], deactivated: 0, failed: [] as { externalId: string; message: string }[] };
      externalIds.forEach((externalId, index) => {
        const r = byIndex.get(index);
        if (r && (r.status === 'deactivated' || r.status === 'unchanged' || r.status === 'not_found')) {
          out.done.push(externalId);
          if (r.status === 'deactivated') out.deactivated++;
        } else {
          out.failed.push({ externalId, message: r?.error?.message ?? `Refused by the user service (${r?.status ?? 'no answer'})` });
        }
      });
      return out;
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
