import { Router, type RequestHandler } from 'express';
import { z } from 'zod';
import { actorOf } from '@platform/shared/auth';
import { parsePagination, sendList, sendOk, validate } from '@platform/shared/http';
import { listInbox, markAllRead, markNotification, unreadCount, type InboxDeps } from '../usecases/inbox.ts';
import { toNotificationJson } from './notification-presenters.ts';

const listQuery = z.object({
  limit: z.unknown().optional(),
  offset: z.unknown().optional(),
  unread: z.enum(['true', 'false']).transform((v) => v === 'true').optional(),
}).strict();
const idParams = z.object({ id: z.uuid() });
const patchBody = z.object({ read: z.boolean() }).strict();
const readAllBody = z.object({}).strict();

/** The caller's in-app inbox: list (newest first, ?unread=), unread count, read/unread, read all. */
export function createInboxRouter(deps: InboxDeps, { authenticated }: { authenticated: RequestHandler }): Router {
  const router = Router();

  router.get('/notifications', authenticated, async (req, res) => {
    const { unread } = validate(listQuery, req.query, 'query');
    const page = parsePagination(req.query);
    const { items, total } = await listInbox(deps, actorOf(req).id, { ...page, unread });
    sendList(res, items.map(toNotificationJson), { ...page, total });
  });

  router.get('/notifications/unread-count', authenticated, async (req, res) => {
    sendOk(res, { unread_count: await unreadCount(deps, actorOf(req).id) });
  });

  router.post('/notifications/read-all', authenticated, async (req, res) => {
    validate(readAllBody, req.body ?? {});
    sendOk(res, { updated: await markAllRead(deps, actorOf(req).id) });
  });

  router.patch('/notifications/:id', authenticated, async (req, res) => {
    const { id } = validate(idParams, req.params, 'path');
    const { read } = validate(patchBody, req.body);
    sendOk(res, toNotificationJson(await markNotification(deps, actorOf(req).id, id, read)));
  });

  return router;
}
