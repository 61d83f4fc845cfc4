import { randomUUID } from 'node:crypto';
import type { Db } from '@platform/shared/db';
import { MAX_WEBHOOKS_PER_OWNER, type Webhook } from '../../domain/webhook.ts';
import { webhookErrors, WebhookTargetError } from '../../domain/webhook-errors.ts';
import { subscribableEvents, type WebhookScope } from '../../domain/webhook-events.ts';
import type { Page, SecretBox, UrlChecker, WebhookPatch, WebhookRepo } from './ports.ts';

export type ManageWebhooksDeps = {
  db: Db;
  webhooks: WebhookRepo;
  secrets: SecretBox;
  urlGuard: UrlChecker;
  newSecret: () => string;
};

export type WebhookOwner = { id: string; role: string };

async function checkUrl(deps: ManageWebhooksDeps, url: string): Promise<void> {
  try {
    await deps.urlGuard.check(url);
  } catch (err) {
    if (err instanceof WebhookTargetError) throw webhookErrors.targetRefused(err);
    throw err;
  }
}

function checkEvents(events: readonly string[], scope: WebhookScope): string[] {
  const allowed = new Set(subscribableEvents(scope));
  const refused = events.map((type, index) => ({ type, index })).filter(({ type }) => !allowed.has(type));
  if (refused.length > 0) throw webhookErrors.eventsNotAllowed(refused, scope);
  return [...new Set(events)];
}

/** A new subscription; the secret is returned here and never again. */
export async function createWebhook(
  deps: ManageWebhooksDeps,
  owner: WebhookOwner,
  input: { url: string; events: string[]; scope?: WebhookScope | undefined },
): Promise<{ webhook: Webhook; secret: string }> {
  const scope = input.scope ?? 'user';
  if (scope === 'platform' && owner.role !== 'admin') throw webhookErrors.platformScopeForAdminsOnly();
  const events = checkEvents(input.events, scope);
  if ((await deps.webhooks.countForOwner(deps.db, owner.id)) >= MAX_WEBHOOKS_PER_OWNER) throw webhookErrors.tooMany(MAX_WEBHOOKS_PER_OWNER);
  await checkUrl(deps, input.url);
  const id = randomUUID();
  const secret = deps.newSecret();
  const webhook = await deps.webhooks.insert(deps.db, {
    id, ownerId: owner.id, scope, url: input.url, events, secretEncrypted: deps.secrets.seal(secret, id),
  });
  return { webhook, secret };
}

export const listWebhooks = (deps: ManageWebhooksDeps, owner: WebhookOwner, page: Page) => deps.webhooks.listForOwner(deps.db, owner.id, page);

/** The caller's own webhook; someone else's is reported as missing, not forbidden. */
export async function getWebhook(deps: Pick<ManageWebhooksDeps, 'db' | 'webhooks'>, owner: WebhookOwner, id: string): Promise<Webhook> {
  const webhook = await deps.webhooks.findForOwner(deps.db, owner.id, id);
  if (!webhook) throw webhookErrors.notFound(id);
  return webhook;
}

/** Changes URL, events or enabled; re-enabling starts the failure count afresh. */
export async function updateWebhook(deps: ManageWebhooksDeps, owner: WebhookOwner, id: string, patch: WebhookPatch): Promise<Webhook> {
  const current = await getWebhook(deps, owner, id);
  const next: WebhookPatch = { ...patch };
  if (patch.events) next.events = checkEvents(patch.events, current.scope);
  if (patch.url !== undefined) await checkUrl(deps, patch.url);
  const updated = await deps.webhooks.update(deps.db, owner.id, id, next);
  if (!updated) throw webhookErrors.notFound(id);
  return updated;
}

export async function deleteWebhook(deps: Pick<ManageWebhooksDeps, 'db' | 'webhooks'>, owner: WebhookOwner, id: string): Promise<void> {
  if (!(await deps.webhooks.remove(deps.db, owner.id, id))) throw webhookErrors.notFound(id);
}
