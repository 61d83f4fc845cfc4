import type { ServiceClient } from '@platform/shared/service-client';
import type { UserRecords } from '../../usecases/change-feed-ports.ts';

/** The lookup route takes at most 100 ids. */
const MAX_IDS = 100;

type Waiting = { id: string; resolve: (record: Record<string, unknown> | null) => void; reject: (err: unknown) => void };

/**
 * The user service's POST /internal/users/lookup through the shared breaker client (a read, so it is
 * retried on timeouts and 5xx). Lookups asked within `windowMs` of each other (the change-log
 * consumers handle several events at once, an import publishes thousands) share one call of up to
 * 100 ids. Errors (EXT_* while the service is down or the breaker is open) reach every lookup of
 * that call: their events are retried later.
 */
export function createUserRecordClient(api: ServiceClient, opts: { windowMs?: number } = {}): UserRecords {
  const windowMs = opts.windowMs ?? 5;
  let waiting: Waiting[] = [];
  let timer: NodeJS.Timeout | undefined;

  const flush = async () => {
    clearTimeout(timer);
    timer = undefined;
    const batch = waiting;
    waiting = [];
    try {
      const answer = await api.post<{ users: Record<string, unknown>[]; missing: string[] }>('/api/v1/internal/users/lookup', {
        body: { ids: [...new Set(batch.map((w) => w.id))] },
        idempotent: true,
      });
      const byId = new Map(answer.users.map((u) => [u.id, u]));
      for (const w of batch) w.resolve(byId.get(w.id) ?? null);
    } catch (err) {
      for (const w of batch) w.reject(err);
    }
  };

  return {
    lookup(userId) {
      return new Promise((resolve, reject) => {
        waiting.push({ id: userId, resolve, reject });
        if (waiting.length >= MAX_IDS) void flush();
        else timer ??= setTimeout(() => void flush(), windowMs);
      });
    },
  };
}
