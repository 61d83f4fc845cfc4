import { randomBytes, randomUUID } from 'node:crypto';
import request from 'supertest';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fileUploaded, syncJobFailed } from '@platform/shared/events';
import { API, expectError, sleep, startTestApp, waitFor, type TestApp } from './helpers.ts';
import { startHookReceiver, type HookReceiver } from './support/hook-receiver.ts';
import type { TestActor } from './support/tokens.ts';

// Catalog events → webhook deliveries → a real HTTP receiver, with the retry schedule and the
// disable threshold made small through config.
let t: TestApp;
const receivers: HookReceiver[] = [];
beforeAll(async () => {
  t = await startTestApp({
    WEBHOOK_ALLOWED_HOSTS: '127.0.0.1',
    WEBHOOK_POLL_MS: '20',
    WEBHOOK_RETRY_SCHEDULE_MS: '100,100,100,100',
    WEBHOOK_DISABLE_AFTER_FAILURES: '3',
    WEBHOOK_TIMEOUT_MS: '1000',
  });
});
afterAll(async () => {
  await Promise.all(receivers.map((r) => r.close()));
  await t?.stop();
});

async function receiver(): Promise<HookReceiver> {
  const r = await startHookReceiver();
  receivers.push(r);
  return r;
}

async function subscribe(actor: TestActor, url: string, events: string[], scope?: 'platform'): Promise<{ id: string; secret: string }> {
  const res = await request(t.app).post(`${API}/webhooks`).set('authorization', t.bearer(actor)).send({ url, events, ...(scope && { scope }) });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body.data;
}

const uploaded = (ownerId: string, name = 'report.pdf') => fileUploaded.create({
  file_id: randomUUID(), owner_id: ownerId, name, size: 1234, content_type: 'application/pdf', sha256: randomBytes(32).toString('hex'), large: false,
}, { source: 'file', subject: ownerId });

const deliveriesOf = async (actor: TestActor, webhookId: string, query = '') =>
  (await request(t.app).get(`${API}/webhooks/${webhookId}/deliveries${query}`).set('authorization', t.bearer(actor))).body;

describe('webhook delivery', () => {
  it('signs each delivery per Standard Webhooks, verified by the receiver with the standardwebhooks package, and carries the event trace', async () => {
    const hooks = await receiver();
    const owner: TestActor = { id: randomUUID(), role: 'user' };
    const { id, secret } = await subscribe(owner, hooks.url, ['file.uploaded']);
    const event = uploaded(owner.id);
    const traceId = randomBytes(16).toString('hex');
    await t.broker.publish(event.type, Buffer.from(JSON.stringify(event)), {
      persistent: true, messageId: event.id, contentType: 'application/json',
      headers: { traceparent: `00-${traceId}-${randomBytes(8).toString('hex')}-01` },
    });

    const hook = await waitFor(() => hooks.received[0], { what: 'the webhook' });
    const payload = new Webhook(secret).verify(hook.body, hook.headers as Record<string, string>);
    expect(payload).toEqual({ type: 'file.uploaded', timestamp: event.occurred_at, event_id: event.id, data: event.data });
    expect(hook.headers['content-type']).toBe('application/json');
    expect(hook.headers.traceparent).toContain(traceId);
    expect(Math.abs(Number(hook.headers['webhook-timestamp']) - Date.now() / 1000)).toBeLessThan(30);
    // A tampered body or another secret fails verification.
    expect(() => new Webhook(secret).verify(`${hook.body} `, hook.headers as Record<string, string>)).toThrow();

    const log = await waitFor(async () => { const b = await deliveriesOf(owner, id); return b.data[0]?.status === 'succeeded' ? b : null; });
    expect(log.data[0]).toMatchObject({ id: hook.headers['webhook-id'], event_id: event.id, event_type: 'file.uploaded', attempts: 1, last_status_code: 200 });
    expect(JSON.stringify(log)).not.toContain(secret.slice(6));
  });

  it('delivers an event to the user it is about and to platform webhooks, never to other users; a redelivered event once', async () => {
    const mine = await receiver();
    const others = await receiver();
    const platform = await receiver();
    const owner: TestActor = { id: randomUUID(), role: 'user' };
    const other: TestActor = { id: randomUUID(), role: 'user' };
    const admin: TestActor = { id: randomUUID(), role: 'admin' };
    await subscribe(owner, mine.url, ['file.uploaded']);
    await subscribe(other, others.url, ['file.uploaded']);
    await subscribe(admin, platform.url, ['file.uploaded', 'sync.job.failed'], 'platform');

    const event = uploaded(owner.id);
    await t.publish(event);
    await t.publish(event);
    const failed = syncJobFailed.create({ job_id: randomUUID(), connection_id: randomUUID(), counts: { created: 1 }, error: 'source down' }, { source: 'sync' });
    await t.publish(failed);

    await waitFor(() => mine.received.length >= 1 && platform.received.length >= 2, { what: 'deliveries' });
    await sleep(300);
    expect(mine.received.map((h) => JSON.parse(h.body).event_id)).toEqual([event.id]);
    expect(platform.received.map((h) => JSON.parse(h.body).type).sort()).toEqual(['file.uploaded', 'sync.job.failed']);
    expect(others.received).toEqual([]);
  });

  it('sends nothing to a user who turned the webhook channel off for the category', async () => {
    const hooks = await receiver();
    const owner: TestActor = { id: randomUUID(), role: 'user' };
    await subscribe(owner, hooks.url, ['file.uploaded']);
    await t.db.pool.query(`INSERT INTO notifications.preferences (user_id, category, channel, enabled) VALUES ($1, 'files', 'webhook', false)`, [owner.id]);
    const event = uploaded(owner.id);
    await t.publish(event);
    await waitFor(async () => (await t.rows('SELECT 1 FROM notifications.inbox WHERE event_id = $1', [event.id])).length > 0, { what: 'the event processed' });
    await sleep(200);
    expect(hooks.received).toEqual([]);
  });

  it('retries after the receiver answers 500 (and does not follow a redirect), then succeeds', async () => {
    const hooks = await receiver();
    hooks.respondWith(500, 302);
    const owner: TestActor = { id: randomUUID(), role: 'user' };
    const { id, secret } = await subscribe(owner, hooks.url, ['file.uploaded']);
    await t.publish(uploaded(owner.id));

    await waitFor(() => hooks.received.length >= 3, { what: 'three attempts' });
    expect(hooks.received.map((h) => h.status)).toEqual([500, 302, 200]);
    // Same message id on every attempt; each attempt signed afresh and valid.
    expect(new Set(hooks.received.map((h) => h.headers['webhook-id'])).size).toBe(1);
    for (const h of hooks.received) expect(() => new Webhook(secret).verify(h.body, h.headers as Record<string, string>)).not.toThrow();
    const log = await waitFor(async () => { const b = await deliveriesOf(owner, id); return b.data[0]?.status === 'succeeded' ? b : null; });
    expect(log.data[0]).toMatchObject({ attempts: 3, last_status_code: 200, last_error: null });
    // The success resets the failure count (written just after the delivery's status).
    await waitFor(async () => (await t.rows<{ consecutive_failures: number }>(
      'SELECT consecutive_failures FROM notifications.webhooks WHERE id = $1', [id]))[0]?.consecutive_failures === 0, { what: 'the failure count reset' });
  });

  it('disables the endpoint after repeated failures and tells its owner in the app and by mail', async () => {
    const hooks = await receiver();
    hooks.status = 500;
    const user = t.user();
    const owner: TestActor = { id: user.id, role: 'user' };
    const { id } = await subscribe(owner, hooks.url, ['file.uploaded']);
    await t.publish(uploaded(owner.id, 'a.pdf'));
    await t.publish(uploaded(owner.id, 'b.pdf'));

    const disabled = await waitFor(async () => {
      const res = await request(t.app).get(`${API}/webhooks/${id}`).set('authorization', t.bearer(owner));
      return res.body.data.enabled === false ? res.body.data : null;
    }, { what: 'the webhook disabled' });
    // 3 disables it; an attempt of the other event that was already in flight may still add one.
    expect(disabled.consecutive_failures).toBeGreaterThanOrEqual(3);
    expect(disabled.disabled_reason).toContain('3 failed deliveries');
    const mail = await t.smtp.waitFor((m) => m.to.includes(user.email), { what: 'the disabled notice' });
    expect(mail.subject).toBe('A webhook was disabled');
    expect(mail.text).toContain(hooks.url);
    const notices = await waitFor(async () => {
      const r = await t.rows<{ type: string; category: string; data: Record<string, unknown> }>(
        `SELECT type, category, data FROM notifications.notifications WHERE user_id = $1 AND type = 'webhook_disabled'`, [owner.id]);
      return r.length ? r : null;
    });
    expect(notices).toEqual([{ type: 'webhook_disabled', category: 'account', data: { webhook_id: id, url: hooks.url, failures: 3 } }]);

    // Nothing more is sent while it is disabled; redelivery is refused until the owner enables it.
    await sleep(300); // an attempt in flight when it was disabled may still land
    const attempts = hooks.received.length;
    await sleep(400);
    expect(hooks.received.length).toBe(attempts);
    const log = await deliveriesOf(owner, id);
    expectError(await request(t.app).post(`${API}/webhooks/${id}/deliveries/${log.data[0].id}/redeliver`).set('authorization', t.bearer(owner)), 409, 'BIZ_002');

    // Fixed and enabled again: the waiting deliveries go out.
    hooks.status = 200;
    expect((await request(t.app).patch(`${API}/webhooks/${id}`).set('authorization', t.bearer(owner)).send({ enabled: true })).status).toBe(200);
    await waitFor(async () => {
      const b = await deliveriesOf(owner, id, '?status=succeeded');
      return b.meta.pagination.total === 2;
    }, { what: 'both deliveries succeeded' });
  });

  it('redelivers a delivery on request with the same webhook-id', async () => {
    const hooks = await receiver();
    const owner: TestActor = { id: randomUUID(), role: 'user' };
    const { id } = await subscribe(owner, hooks.url, ['file.uploaded']);
    await t.publish(uploaded(owner.id));
    const first = await waitFor(() => hooks.received[0]);
    const log = await waitFor(async () => { const b = await deliveriesOf(owner, id); return b.data[0]?.status === 'succeeded' ? b : null; });

    const res = await request(t.app).post(`${API}/webhooks/${id}/deliveries/${log.data[0].id}/redeliver`).set('authorization', t.bearer(owner));
    expect(res.status, JSON.stringify(res.body)).toBe(202);
    expect(res.body.data).toMatchObject({ id: log.data[0].id, status: 'pending', attempts: 0 });
    const again = await waitFor(() => hooks.received[1]);
    expect(again.headers['webhook-id']).toBe(first.headers['webhook-id']);
    expect(JSON.parse(again.body)).toEqual(JSON.parse(first.body));

    expectError(await request(t.app).post(`${API}/webhooks/${id}/deliveries/${randomUUID()}/redeliver`).set('authorization', t.bearer(owner)), 404, 'BIZ_001');
    expectError(await request(t.app).get(`${API}/webhooks/${id}/deliveries?status=lost`).set('authorization', t.bearer(owner)), 422, 'VAL_002');
    expectError(await request(t.app).get(`${API}/webhooks/${id}/deliveries?limit=500`).set('authorization', t.bearer(owner)), 422, 'VAL_003');
  });

  it('refuses, at delivery time, a target that is no longer allowed (the guard runs again before every attempt)', async () => {
    const owner: TestActor = { id: randomUUID(), role: 'user' };
    const hooks = await receiver();
    const { id } = await subscribe(owner, hooks.url, ['file.uploaded']);
    // As if DNS now pointed the host somewhere internal: the stored URL is rewritten behind the API's back.
    await t.db.pool.query(`UPDATE notifications.webhooks SET url = 'http://127.0.0.3:9/hook' WHERE id = $1`, [id]);
    await t.publish(uploaded(owner.id));
    const log = await waitFor(async () => { const b = await deliveriesOf(owner, id); return b.data[0]?.last_error ? b : null; });
    expect(log.data[0]).toMatchObject({ status: 'failed', last_status_code: null, last_error: expect.stringContaining('refused') });
    expect(hooks.received).toEqual([]);
  });
});
