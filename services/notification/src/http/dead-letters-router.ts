import { Router } from 'express';
import { z } from 'zod';
import { parsePagination, sendList, sendOk, validate } from '@platform/shared/http';
import { listDeadLetterItems, replayDeadLetterEvent, replayDeadLetterQueue, type ConsumerQueues, type ListedDeadLetter } from '../usecases/dead-letters.ts';
import type { DeadLetterStore } from '../usecases/ports.ts';
import type { Guards } from '@platform/shared/auth';

const queueId = z.string().regex(/^[a-z0-9-]{1,64}$/, 'a queue id such as verify-email');
const listQuery = z.object({ queue: queueId.optional(), limit: z.string().optional(), offset: z.string().optional() }).strict();
// A queue id replays that queue's dead letters; an event id (uuid) replays that event wherever it is parked.
const idParams = z.object({ id: z.union([z.uuid(), queueId]) });

const toJson = (d: ListedDeadLetter) => ({
  queue_id: d.queueId,
  queue: d.queue,
  message_id: d.messageId,
  event_id: d.eventId,
  event_type: d.eventType,
  reason: d.reason,
  last_error: d.lastError,
  attempts: d.attempts,
  failed_at: d.failedAt,
  event: d.event,
});

/**
 * GET /admin/notifications/dead-letters (?queue=<id>&limit&offset) and
 * POST /admin/notifications/dead-letters/{id}/replay, where id is a consumer's queue id (all its dead
 * letters) or an event id (that event, in every DLQ that holds it).
 */
export function createDeadLettersRouter(deps: { deadLetters: DeadLetterStore; queues: ConsumerQueues }, guards: Guards): Router {
  const router = Router();
  router.get('/admin/notifications/dead-letters', guards.admin, async (req, res) => {
    const query = validate(listQuery, req.query, 'query');
    const page = parsePagination(req.query);
    const { items, total } = await listDeadLetterItems(deps, { ...(query.queue && { queueId: query.queue }) }, page);
    sendList(res, items.map(toJson), { ...page, total });
  });
  router.post('/admin/notifications/dead-letters/:id/replay', guards.admin, async (req, res) => {
    const { id } = validate(idParams, req.params, 'path');
    if (z.uuid().safeParse(id).success) {
      const { eventId, queueIds, replayed } = await replayDeadLetterEvent(deps, id);
      sendOk(res, { event_id: eventId, queue_ids: queueIds, replayed });
      return;
    }
    const { queueId: replayedQueue, replayed } = await replayDeadLetterQueue(deps, id);
    sendOk(res, { queue_id: replayedQueue, replayed });
  });
  return router;
}
