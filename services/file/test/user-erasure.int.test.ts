import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectBroker, consumerQueueNames, startConsumers, userDeleted, type Broker, type Consumers } from '@platform/shared/events';
import { createLogger } from '@platform/shared/logger';
import { API } from './helpers.ts';
import { startTransferTestApp, type TransferTestApp } from './transfer-helpers.ts';

const AMQP_URL = process.env.AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672';
const DELAYS = [100];

let t: TransferTestApp;
let broker: Broker;
let consumers: Consumers;
let queue: string;

beforeAll(async () => {
  t = await startTransferTestApp();
  const logger = createLogger({ service: 'file', level: 'error', silent: !process.env.TEST_LOGS });
  broker = await connectBroker(AMQP_URL, logger, { exchange: `${t.prefix}.events` });
  queue = `${t.prefix}.file.user-erasure`;
  consumers = await startConsumers(broker, [t.transfers.userErasureConsumer(queue)], {
    pool: t.db.pool, schema: 'files', logger, retryDelaysMs: DELAYS,
  });
});

afterAll(async () => {
  await consumers?.stop();
  await broker?.close();
  await deleteRabbitObjects(queue ? consumerQueueNames(queue, DELAYS) : [], [`${t.prefix}.events`]);
  await t?.stop();
});

/** Drops the test's queues and exchange over a connection of its own (amqplib, from @platform/shared). */
async function deleteRabbitObjects(queues: string[], exchanges: string[]) {
  type Channel = { on(e: string, f: () => void): void; deleteQueue(q: string): Promise<unknown>; deleteExchange(x: string): Promise<unknown>; close(): Promise<void> };
  const amqplib = createRequire(new URL('../../../shared/package.json', import.meta.url))('amqplib') as {
    connect(url: string): Promise<{ createChannel(): Promise<Channel>; close(): Promise<void> }>;
  };
  const conn = await amqplib.connect(AMQP_URL);
  try {
    for (const del of [...queues.map((q) => (c: Channel) => c.deleteQueue(q)), ...exchanges.map((x) => (c: Channel) => c.deleteExchange(x))]) {
      const ch = await conn.createChannel();
      ch.on('error', () => {});
      await del(ch).catch(() => {});
      await ch.close().catch(() => {});
    }
  } finally {
    await conn.close();
  }
}

async function waitFor<T>(probe: () => Promise<T>, what: string): Promise<NonNullable<T>> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const v = await probe();
    if (v) return v as NonNullable<T>;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const erasedEvents = async (userId: string) => (await t.outbox('user.data_erased')).filter((e) => e.envelope.data.user_id === userId);

const publish = (event: ReturnType<typeof userDeleted.create>) =>
  broker.publish('user.deleted', Buffer.from(JSON.stringify(event)), { persistent: true, messageId: event.id, contentType: 'application/json' });

describe('on user.deleted', () => {
  it('erases the user\'s files, bytes, links, uploads and quota, then publishes user.data_erased once', async () => {
    const gone = t.principal();
    const kept = t.principal();
    const active = await t.upload(gone, 'active file\n');
    const softDeleted = await t.upload(gone, 'deleted earlier\n');
    expect((await request(t.app).delete(`${API}/files/${softDeleted.id}`).set('authorization', gone.auth)).status).toBe(204);
    const other = await t.upload(kept, 'someone else\n');
    const link = await request(t.app).post(`${API}/files/${active.id}/links`).set('authorization', gone.auth).send({ expires_in: 600 });
    expect(link.status).toBe(201);
    const tus = await request(t.app).post(`${API}/uploads`).set('tus-resumable', '1.0.0').set('authorization', gone.auth).set('upload-length', '100');
    expect(tus.status).toBe(201);
    const uploadId = tus.headers.location!.split('/').pop()!;
    await t.rows("INSERT INTO files.quota_reservations (id, user_id, bytes, expires_at) VALUES (gen_random_uuid(), $1, 10, now() + interval '1 hour')", [gone.id]);
    const keys = await t.rows<{ id: string; storage_key: string }>('SELECT id, storage_key FROM files.files WHERE owner_id = $1', [gone.id]);
    expect(keys).toHaveLength(2);
    for (const k of keys) expect(existsSync(join(t.storageDir, k.storage_key))).toBe(true);

    const event = userDeleted.create({ user_id: gone.id, deleted_by: gone.id }, { source: 'user', subject: gone.id });
    await publish(event);
    const [erased] = await waitFor(async () => { const e = await erasedEvents(gone.id); return e.length ? e : null; }, 'user.data_erased');
    expect(erased!.envelope).toMatchObject({ type: 'user.data_erased', subject: gone.id, data: { user_id: gone.id, service: 'file', erased_at: expect.any(String) } });

    const rows = await t.rows('SELECT status, name, original_name, deleted_at IS NOT NULL AS deleted, purged_at IS NOT NULL AS purged FROM files.files WHERE owner_id = $1', [gone.id]);
    expect(rows).toEqual([
      { status: 'deleted', name: 'erased', original_name: 'erased', deleted: true, purged: true },
      { status: 'deleted', name: 'erased', original_name: 'erased', deleted: true, purged: true },
    ]);
    for (const k of keys) expect(existsSync(join(t.storageDir, k.storage_key))).toBe(false);
    expect(await t.rows('SELECT user_id FROM files.quotas WHERE user_id = $1', [gone.id])).toEqual([]);
    expect(await t.rows('SELECT id FROM files.quota_reservations WHERE user_id = $1', [gone.id])).toEqual([]);
    expect(await t.rows('SELECT id FROM files.tus_uploads WHERE owner_id = $1', [gone.id])).toEqual([]);
    expect(t.tusFiles().filter((f) => f.startsWith(uploadId))).toEqual([]);
    const [linkRow] = await t.rows<{ revoked_at: Date | null }>('SELECT revoked_at FROM files.links WHERE id = $1', [link.body.data.id]);
    expect(linkRow!.revoked_at).not.toBeNull();

    // Someone else's data is untouched.
    const [otherRow] = await t.rows<{ status: string; storage_key: string }>('SELECT status, storage_key FROM files.files WHERE id = $1', [other.id]);
    expect(otherRow!.status).toBe('active');
    expect(existsSync(join(t.storageDir, otherRow!.storage_key))).toBe(true);

    // A redelivery of the same event does nothing twice.
    await publish(event);
    await new Promise((r) => setTimeout(r, 500));
    expect(await erasedEvents(gone.id)).toHaveLength(1);
  });

  it('still reports the erasure for a user who never stored anything', async () => {
    const nobody = t.principal();
    await publish(userDeleted.create({ user_id: nobody.id, deleted_by: nobody.id }, { source: 'user' }));
    const events = await waitFor(async () => { const e = await erasedEvents(nobody.id); return e.length ? e : null; }, 'user.data_erased');
    expect(events).toHaveLength(1);
  });
});
