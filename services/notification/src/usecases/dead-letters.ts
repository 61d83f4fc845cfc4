import { notificationErrors } from '../domain/notification-errors.ts';
import type { DeadLetterItem, DeadLetterStore } from './ports.ts';

export type ConsumerQueues = ReadonlyMap<string, { queue: string; eventType: string }>;

type Deps = { deadLetters: DeadLetterStore; queues: ConsumerQueues };

export type ListedDeadLetter = DeadLetterItem & { queueId: string; queue: string };

/** How many dead letters of one queue are read at most for a listing. */
const PER_QUEUE_MAX = 1_000;

/** The dead letters of every consumer (or of one, by queue id), for an admin. */
export async function listDeadLetterItems(deps: Deps, filter: { queueId?: string }, page: { limit: number; offset: number }) {
  const ids = filter.queueId ? [filter.queueId] : [...deps.queues.keys()];
  const all: ListedDeadLetter[] = [];
  for (const id of ids) {
    const q = deps.queues.get(id);
    if (!q) throw notificationErrors.deadLetterQueueUnknown(id);
    for (const item of await deps.deadLetters.list(q.queue, PER_QUEUE_MAX)) all.push({ ...item, queueId: id, queue: q.queue });
  }
  return { items: all.slice(page.offset, page.offset + page.limit), total: all.length };
}

/** Sends a queue's dead letters back to its consumer, each with a fresh attempt count. */
export async function replayDeadLetterQueue(deps: Deps, queueId: string): Promise<{ queueId: string; replayed: number }> {
  const q = deps.queues.get(queueId);
  if (!q) throw notificationErrors.deadLetterQueueUnknown(queueId);
  return { queueId, replayed: await deps.deadLetters.replay(q.queue) };
}

/** Sends one event back to every consumer whose DLQ holds it (the others leave their dead letters alone). */
export async function replayDeadLetterEvent(deps: Deps, eventId: string): Promise<{ eventId: string; queueIds: string[]; replayed: number }> {
  const queueIds: string[] = [];
  let replayed = 0;
  for (const [id, q] of deps.queues) {
    const n = await deps.deadLetters.replay(q.queue, eventId);
    if (n > 0) queueIds.push(id);
    replayed += n;
  }
  if (replayed === 0) throw notificationErrors.deadLetterUnknown(eventId);
  return { eventId, queueIds, replayed };
}
