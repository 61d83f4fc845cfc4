import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { API, expectError, startTestApp, type TestApp } from './helpers.ts';
import { startHookReceiver, type HookReceiver } from './support/hook-receiver.ts';
import type { TestActor } from './support/tokens.ts';

// Webhook subscriptions over HTTP: who may subscribe to what, the secret shown once and stored
// encrypted, the SSRF guard, and the access matrix. Delivery is in webhook-delivery.int.test.ts.
let t: TestApp;
let receiver: HookReceiver;
beforeAll(async () => {
  t = await startTestApp({ WEBHOOK_ALLOWED_HOSTS: '127.0.0.1' }, { consumers: false });
  receiver = await startHookReceiver();
});
afterAll(async () => {
  await receiver?.close();
  await t?.stop();
});

const userActor = (): TestActor => ({ id: randomUUID(), role: 'user' });
const create = (actor: TestActor, body: unknown) => request(t.app).post(`${API}/webhooks`).set('authorization', t.bearer(actor)).send(body as object);

describe('POST /webhooks', () => {
  it('creates a subscription and shows its secret once; the database holds it only encrypted', async () => {
    const owner = userActor();
    const res = await create(owner, { url: receiver.url, events: ['file.uploaded', 'user.updated', 'file.uploaded'] });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    expect(res.headers['cache-control']).toBe('no-store');
    const { id, secret } = res.body.data;
    expect(res.body.data).toMatchObject({ url: receiver.url, events: ['file.uploaded', 'user.updated'], scope: 'user', enabled: true });
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);

    const one = await request(t.app).get(`${API}/webhooks/${id}`).set('authorization', t.bearer(owner));
    expect(one.status).toBe(200);
    expect(one.body.data).toMatchObject({ id, url: receiver.url });
    const list = await request(t.app).get(`${API}/webhooks`).set('authorization', t.bearer(owner));
    expect(list.body.data.map((w: { id: string }) => w.id)).toEqual([id]);
    expect(list.body.meta.pagination).toMatchObject({ total: 1, limit: 20, offset: 0 });
    for (const body of [one.body, list.body]) expect(JSON.stringify(body)).not.toContain(secret.slice(6));

    const [row] = await t.rows<{ secret_encrypted: string }>('SELECT secret_encrypted FROM notifications.webhooks WHERE id = $1', [id]);
    expect(row!.secret_encrypted).toMatch(/^v1\./);
    expect(row!.secret_encrypted).not.toContain(secret.slice(6, 20));
  });

  it('lets admins subscribe platform-wide to events about anyone, and refuses that scope to users', async () => {
    const admin: TestActor = { id: randomUUID(), role: 'admin' };
    const ok = await create(admin, { url: receiver.url, events: ['sync.job.failed', 'user.registered'], scope: 'platform' });
    expect(ok.status, JSON.stringify(ok.body)).toBe(201);
    expect(ok.body.data.scope).toBe('platform');

    const before = await t.snapshot();
    expectError(await create(userActor(), { url: receiver.url, events: ['file.uploaded'], scope: 'platform' }), 403, 'AUTH_003');
    expect(await t.snapshot()).toEqual(before);
  });

  it('refuses bad bodies with the reason and stores nothing', async () => {
    const actor = userActor();
    const before = await t.snapshot();
    const cases: [unknown, number, string, string?][] = [
      [{ events: ['file.uploaded'] }, 400, 'VAL_001', 'url'],
      [{ url: receiver.url }, 400, 'VAL_001', 'events'],
      [{ url: receiver.url, events: [] }, 422, 'VAL_003', 'events'],
      [{ url: receiver.url, events: ['file.uploaded'], secret: 'mine' }, 400, 'VAL_001', 'secret'],
      [{ url: 'not a url', events: ['file.uploaded'] }, 422, 'VAL_002', 'url'],
      [{ url: 'ftp://127.0.0.1/x', events: ['file.uploaded'] }, 422, 'VAL_002', 'url'],
      [{ url: receiver.url, events: ['no.such.event'] }, 422, 'VAL_002', 'events.0'],
      // Not about the user (users only get events about themselves) and never a webhook event (carries a one-time token).
      [{ url: receiver.url, events: ['file.uploaded', 'sync.job.failed'] }, 422, 'VAL_002', 'events.1'],
      [{ url: receiver.url, events: ['auth.password_reset_requested'] }, 422, 'VAL_002', 'events.0'],
      [{ url: receiver.url, events: ['file.uploaded'], scope: 'everyone' }, 422, 'VAL_002', 'scope'],
    ];
    for (const [body, status, code, field] of cases) {
      const res = await create(actor, body);
      expectError(res, status, code);
      if (field) expect(res.body.error.details.map((d: { field: string }) => d.field), JSON.stringify(body)).toContain(field);
    }
    const bad = await request(t.app).post(`${API}/webhooks`).set('authorization', t.bearer(actor)).set('content-type', 'application/json').send('{"url":');
    expectError(bad, 400, 'VAL_001');
    expect(await t.snapshot()).toEqual(before);
  });

  it('refuses internal targets (SSRF) that the allow-list does not name, and a name that resolves to loopback', async () => {
    const actor = userActor();
    const before = await t.snapshot();
    for (const url of [
      'http://127.0.0.2/hook', 'http://10.0.0.1/hook', 'http://192.168.1.10/', 'http://169.254.169.254/latest/meta-data/',
      'http://[::1]:8080/hook', 'http://[::ffff:127.0.0.1]/hook', 'http://0.0.0.0/', 'http://localhost:9999/hook', 'http://[fd00::1]/',
    ]) {
      const res = await create(actor, { url, events: ['file.uploaded'] });
      expectError(res, 422, 'VAL_002');
      expect(res.body.error.details, url).toEqual([expect.objectContaining({ field: 'url', issue: 'forbidden_address' })]);
    }
    const nowhere = await create(actor, { url: 'http://no-such-host.invalid/hook', events: ['file.uploaded'] });
    expectError(nowhere, 422, 'VAL_002');
    expect(nowhere.body.error.details[0]).toMatchObject({ field: 'url', issue: 'unresolvable' });
    const creds = await create(actor, { url: 'http://user:pw@127.0.0.1/hook', events: ['file.uploaded'] });
    expectError(creds, 422, 'VAL_002');
    expect(await t.snapshot()).toEqual(before);
  });

  it('caps the webhooks one user may have', async () => {
    const actor = userActor();
    for (let i = 0; i < 10; i++) expect((await create(actor, { url: `${receiver.url}?n=${i}`, events: ['file.uploaded'] })).status).toBe(201);
    const before = await t.snapshot();
    expectError(await create(actor, { url: receiver.url, events: ['file.uploaded'] }), 422, 'BIZ_003');
    expect(await t.snapshot()).toEqual(before);
  });
});

describe('without an allow-list', () => {
  it('refuses loopback targets that a listed host would allow', async () => {
    const strict = await startTestApp({ WEBHOOK_ALLOWED_HOSTS: '' }, { consumers: false });
    try {
      const res = await request(strict.app).post(`${API}/webhooks`).set('authorization', strict.bearer(userActor()))
        .send({ url: receiver.url, events: ['file.uploaded'] });
      expectError(res, 422, 'VAL_002');
      expect(await strict.rows('SELECT id FROM notifications.webhooks')).toEqual([]);
    } finally {
      await strict.stop();
    }
  });
});

describe('the access matrix', () => {
  it('shows, changes and deletes a webhook only for its owner; others get 404 and change nothing', async () => {
    const owner = userActor();
    const other = userActor();
    const admin: TestActor = { id: randomUUID(), role: 'admin' };
    const { id } = (await create(owner, { url: receiver.url, events: ['file.uploaded'] })).body.data;
    const before = await t.snapshot();
    for (const actor of [other, admin]) {
      const auth = t.bearer(actor);
      expectError(await request(t.app).get(`${API}/webhooks/${id}`).set('authorization', auth), 404, 'BIZ_001');
      expectError(await request(t.app).patch(`${API}/webhooks/${id}`).set('authorization', auth).send({ enabled: false }), 404, 'BIZ_001');
      expectError(await request(t.app).delete(`${API}/webhooks/${id}`).set('authorization', auth), 404, 'BIZ_001');
      expectError(await request(t.app).get(`${API}/webhooks/${id}/deliveries`).set('authorization', auth), 404, 'BIZ_001');
      expectError(await request(t.app).post(`${API}/webhooks/${id}/deliveries/${randomUUID()}/redeliver`).set('authorization', auth), 404, 'BIZ_001');
      const list = await request(t.app).get(`${API}/webhooks`).set('authorization', auth);
      expect(list.body.data.map((w: { id: string }) => w.id)).not.toContain(id);
    }
    expectError(await request(t.app).get(`${API}/webhooks/${id}`), 401, 'AUTH_001');
    expectError(await request(t.app).get(`${API}/webhooks`).set('authorization', t.tokens.forged(owner)), 401, 'AUTH_001');
    expectError(await request(t.app).get(`${API}/webhooks`).set('authorization', t.bearer({ id: 'sync', role: 'service' })), 403, 'AUTH_003');
    expectError(await request(t.app).get(`${API}/webhooks/not-a-uuid`).set('authorization', t.bearer(owner)), 422, 'VAL_002');
    expect(await t.snapshot()).toEqual(before);

    const patched = await request(t.app).patch(`${API}/webhooks/${id}`).set('authorization', t.bearer(owner)).send({ events: ['file.deleted'], enabled: false });
    expect(patched.status, JSON.stringify(patched.body)).toBe(200);
    expect(patched.body.data).toMatchObject({ events: ['file.deleted'], enabled: false, disabled_reason: 'Disabled by its owner' });
    const reenabled = await request(t.app).patch(`${API}/webhooks/${id}`).set('authorization', t.bearer(owner)).send({ enabled: true });
    expect(reenabled.body.data).toMatchObject({ enabled: true, disabled_reason: null, consecutive_failures: 0 });
    const snap = await t.snapshot();
    expectError(await request(t.app).patch(`${API}/webhooks/${id}`).set('authorization', t.bearer(owner)).send({}), 422, 'VAL_002');
    expectError(await request(t.app).patch(`${API}/webhooks/${id}`).set('authorization', t.bearer(owner)).send({ url: 'http://10.1.1.1/' }), 422, 'VAL_002');
    expectError(await request(t.app).patch(`${API}/webhooks/${id}`).set('authorization', t.bearer(owner)).send({ events: ['sync.job.started'] }), 422, 'VAL_002');
    expect(await t.snapshot()).toEqual(snap);

    expect((await request(t.app).delete(`${API}/webhooks/${id}`).set('authorization', t.bearer(owner))).status).toBe(204);
    expectError(await request(t.app).get(`${API}/webhooks/${id}`).set('authorization', t.bearer(owner)), 404, 'BIZ_001');
    expectError(await request(t.app).delete(`${API}/webhooks/${id}`).set('authorization', t.bearer(owner)), 404, 'BIZ_001');
  });
});
