import { randomUUID } from 'node:crypto';
import {
  fileDeleted, fileUploaded, userBanned, userCreated, userDeleted, userUpdated, type EventEnvelope,
} from '@platform/shared/events';
import type { TestApp } from './helpers.ts';

/** Publishes an event to the app's exchange as a producer's relay would. */
export async function publish(t: TestApp, e: EventEnvelope): Promise<void> {
  await t.broker.publish(e.type, Buffer.from(JSON.stringify(e)), { persistent: true, messageId: e.id, contentType: 'application/json' });
}

export const events = {
  userCreated: (userId: string) => userCreated.create(
    { user_id: userId, email: `${userId.slice(0, 8)}@example.com`, display_name: 'New user', role: 'user', created_by: null },
    { source: 'user', subject: userId }),
  userUpdated: (userId: string, changed: string[] = ['display_name']) => userUpdated.create({ user_id: userId, changed }, { source: 'user', subject: userId }),
  userBanned: (userId: string) => userBanned.create({ user_id: userId, reason: 'spam', until: null, banned_by: randomUUID() }, { source: 'user', subject: userId }),
  userDeleted: (userId: string) => userDeleted.create({ user_id: userId, deleted_by: userId }, { source: 'user', subject: userId }),
  fileUploaded: (ownerId: string, fileId: string = randomUUID(), name = 'notes.txt') => fileUploaded.create(
    { file_id: fileId, owner_id: ownerId, name, size: 12, content_type: 'text/plain', sha256: 'a'.repeat(64), large: false },
    { source: 'file', subject: fileId }),
  fileDeleted: (ownerId: string, fileId: string) => fileDeleted.create({ file_id: fileId, owner_id: ownerId, deleted_by: ownerId }, { source: 'file', subject: fileId }),
};

export type ChangeRow = { id: string; entity: string; entity_id: string; user_id: string | null; op: string; data: Record<string, unknown> | null; event_id: string };

export const changeRows = (t: TestApp) =>
  t.rows<ChangeRow>('SELECT id, entity, entity_id, user_id, op, data, event_id FROM sync.changes ORDER BY id');

/** Appends changes directly (one transaction and a hint, as the consumer does), for tests of the read side. */
export async function appendChanges(t: TestApp, changes: { entity: 'user' | 'file'; entityId?: string; userId: string; op?: 'upsert' | 'delete'; data?: Record<string, unknown> | null }[]): Promise<number[]> {
  const client = await t.db.pool.connect();
  try {
    await client.query('BEGIN');
    const ids = await t.changeFeed.changes.append(client, { id: randomUUID(), occurredAt: new Date() }, changes.map((c) => ({
      entity: c.entity, entityId: c.entityId ?? randomUUID(), userId: c.userId, op: c.op ?? 'upsert', data: c.data === undefined ? { n: 1 } : c.data,
    })));
    await client.query('COMMIT');
    // The hint the consumer sends after its commit (streams wake on it).
    if (ids.length > 0) await t.changeFeed.signal.publish({ maxId: Math.max(...ids), userIds: [...new Set(changes.map((c) => c.userId))] });
    return ids;
  } catch (err) {
    await client.query('ROLLBACK');
    throw err;
  } finally {
    client.release();
  }
}

/** Reads every page of a feed route from `since` (limit per page); returns the changes and the last cursor. */
export async function readAll(get: (since: number | undefined) => Promise<{ status: number; body: { data: { id: number }[]; meta: { next_cursor: number; has_more: boolean } } }>, since?: number) {
  const seen: { id: number }[] = [];
  let cursor = since;
  for (let pages = 0; pages < 10_000; pages++) {
    const res = await get(cursor);
    if (res.status !== 200) throw new Error(`feed answered ${res.status}: ${JSON.stringify(res.body)}`);
    seen.push(...res.body.data);
    cursor = res.body.meta.next_cursor;
    if (!res.body.meta.has_more) return { changes: seen, cursor, pages: pages + 1 };
  }
  throw new Error('feed never ended');
}
