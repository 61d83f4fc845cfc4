import { Router, type RequestHandler } from 'express';
import { actorOf } from '@platform/shared/auth';
import { parsePagination, sendCreated, sendList, sendNoContent, sendOk, validate } from '@platform/shared/http';
import { createWebhook, deleteWebhook, getWebhook, listWebhooks, updateWebhook, type ManageWebhooksDeps } from '../usecases/webhooks/manage-webhooks.ts';
import { listDeliveries, redeliver, type WebhookDeliveriesDeps } from '../usecases/webhooks/webhook-deliveries.ts';
import { toCreatedWebhookJson, toDeliveryJson, toWebhookJson } from './webhook-presenters.ts';
import { createWebhookBody, deliveriesQuery, deliveryParams, updateWebhookBody, webhookIdParams } from './webhook-schemas.ts';

export type WebhooksRouterDeps = ManageWebhooksDeps & WebhookDeliveriesDeps;

/** /webhooks: the caller's own subscriptions, their delivery log and manual redelivery. */
export function createWebhooksRouter(deps: WebhooksRouterDeps, { authenticated }: { authenticated: RequestHandler }): Router {
  const router = Router();
  router.use('/webhooks', authenticated);

  router.post('/webhooks', async (req, res) => {
    const body = validate(createWebhookBody, req.body);
    const { webhook, secret } = await createWebhook(deps, actorOf(req), body);
    res.setHeader('cache-control', 'no-store');
    sendCreated(res, toCreatedWebhookJson(webhook, secret));
  });

  router.get('/webhooks', async (req, res) => {
    const page = parsePagination(req.query);
    const { items, total } = await listWebhooks(deps, actorOf(req), page);
    sendList(res, items.map(toWebhookJson), { ...page, total });
  });

  router.get('/webhooks/:id', async (req, res) => {
    const { id } = validate(webhookIdParams, req.params, 'path');
    sendOk(res, toWebhookJson(await getWebhook(deps, actorOf(req), id)));
  });

  router.patch('/webhooks/:id', async (req, res) => {
    const { id } = validate(webhookIdParams, req.params, 'path');
    const patch = validate(updateWebhookBody, req.body);
    sendOk(res, toWebhookJson(await updateWebhook(deps, actorOf(req), id, patch)));
  });

  router.delete('/webhooks/:id', async (req, res) => {
    const { id } = validate(webhookIdParams, req.params, 'path');
    await deleteWebhook(deps, actorOf(req), id);
    sendNoContent(res);
  });

  router.get('/webhooks/:id/deliveries', async (req, res) => {
    const { id } = validate(webhookIdParams, req.params, 'path');
    const { status } = validate(deliveriesQuery, req.query, 'query');
    const page = parsePagination(req.query);
    const { items, total } = await listDeliveries(deps, actorOf(req), id, { ...page, ...(status && { status }) });
    sendList(res, items.map(toDeliveryJson), { ...page, total });
  });

  router.post('/webhooks/:id/deliveries/:delivery_id/redeliver', async (req, res) => {
    const { id, delivery_id } = validate(deliveryParams, req.params, 'path');
    sendOk(res, toDeliveryJson(await redeliver(deps, actorOf(req), id, delivery_id)), 202);
  });

  return router;
}
