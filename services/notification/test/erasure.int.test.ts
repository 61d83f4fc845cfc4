import { randomBytes, randomUUID } from 'node:crypto';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fileUploaded, userDataErased, userDeleted } from '@platform/shared/events';
import { API, startTestApp, waitFor, type TestApp } from './helpers.ts';

let t: TestApp;
beforeAll(async () => { t = await startTestApp(); });
afterAll(() => t?.stop());

const upload = (ownerId: string) => fileUploaded.create({
  file_id: randomUUID(), owner_id: ownerId, name: 'big.iso', size: 5 * 1024 ** 3, content_type: 'application/octet-stream',
  sha256: randomBytes(32).toString('hex'), large: true,
}, { source: 'file' });

const held = async (userId: string) => ({
  notifications: (await t.rows('SELECT 1 FROM notifications.notifications WHERE user_id = $1', [userId])).length,
  preferences: (await t.rows('SELECT 1 FROM notifications.preferences WHERE user_id = $1', [userId])).length,
  webhooks: (await t.rows('SELECT 1 FROM notifications.webhooks WHERE owner_id = $1', [userId])).length,
  deliveries: (await t.rows('SELECT 1 FROM notifications.deliveries WHERE recipient_id = $1', [userId])).length,
});

describe('user.deleted', () => {
  it('erases the user\'s inbox, preferences, webhooks and mail log, keeps other users\' data, and confirms with user.data_erased', async () => {
    const gone = t.user();
    const stays = t.user();
    for (const u of [gone, stays]) {
      const res = await request(t.app).put(`${API}/notifications/preferences`).set('authorization', t.bearer({ id: u.id, role: 'user' })).send({ product: { email: false } });
      expect(res.status).toBe(200);
      await t.db.pool.query(
        `INSERT INTO notifications.webhooks (owner_id, url, events, secret_encrypted) VALUES ($1, 'https://hooks.example/x', '{file.uploaded}', 'enc')`, [u.id]);
      await t.publish(upload(u.id));
      await t.smtp.waitFor((m) => m.to.includes(u.email));
    }
    await waitFor(async () => (await held(gone.id)).notifications === 1, { what: 'the in-app notification' });
    expect(await held(gone.id)).toEqual({ notifications: 1, preferences: 1, webhooks: 1, deliveries: 1 });

    // The confirmation is published to the exchange: catch it on a queue of our own.
    const conn = t.broker.manager.connection!;
    const ch = await conn.createChannel();
    const { queue } = await ch.assertQueue('', { exclusive: true });
    await ch.bindQueue(queue, t.config.EVENTS_EXCHANGE, 'user.data_erased');

    const event = userDeleted.create({ user_id: gone.id, deleted_by: gone.id }, { source: 'user', subject: gone.id });
    await t.publish(event);
    const msg = await waitFor(async () => (await ch.get(queue, { noAck: true })) || null, { what: 'user.data_erased' });
    await ch.close();

    const confirmation = userDataErased.parse(JSON.parse(msg.content.toString()));
    expect(confirmation).toMatchObject({ source: 'notification', subject: gone.id, data: { user_id: gone.id, service: 'notification', erased_at: expect.any(String) } });
    expect(await held(gone.id)).toEqual({ notifications: 0, preferences: 0, webhooks: 0, deliveries: 0 });
    expect(await held(stays.id)).toEqual({ notifications: 1, preferences: 1, webhooks: 1, deliveries: 1 });
  });
});
