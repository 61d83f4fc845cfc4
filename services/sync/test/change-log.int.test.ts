import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { changeRows, events, publish } from './change-feed-helpers.ts';
import { startFakeUserLookup, type FakeUserLookup } from './fakes/fake-user-lookup.ts';
import { startTestApp, waitFor, type TestApp } from './helpers.ts';

let t: TestApp;
let users: FakeUserLookup;
beforeAll(async () => {
  users = await startFakeUserLookup();
  t = await startTestApp({ userServiceUrl: users.url });
  await t.startChangeFeed({ retryDelaysMs: [100, 200], maxAttempts: 100 });
});
afterAll(async () => {
  await t.stop();
  await users.close();
});

const changesOf = async (entityId: string) => (await changeRows(t)).filter((c) => c.entity_id === entityId);
const processed = (eventId: string) => waitFor(async () => (await t.rows('SELECT 1 FROM sync.inbox WHERE event_id = $1', [eventId])).length > 0, { what: `event ${eventId}` });

describe('the change log consumer', () => {
  it('writes a user upsert with the record fetched from the user service, and each later version once', async () => {
    const id = randomUUID();
    users.put(id, { display_name: 'Ada' });
    const created = events.userCreated(id);
    await publish(t, created);
    await processed(created.id);
    let rows = await changesOf(id);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ entity: 'user', user_id: id, op: 'upsert', event_id: created.id, data: { id, display_name: 'Ada', version: 1, status: 'active' } });
    // Only the feed's fields: no admin bookkeeping.
    expect(rows[0]!.data).not.toHaveProperty('ban_reason');
    expect(rows[0]!.data).not.toHaveProperty('external_id');

    users.put(id, { display_name: 'Ada L.' });
    const updated = events.userUpdated(id);
    await publish(t, updated);
    await processed(updated.id);
    // The same record again (an event about a field the feed does not carry) adds nothing.
    const again = events.userUpdated(id, ['settings']);
    await publish(t, again);
    await processed(again.id);
    rows = await changesOf(id);
    expect(rows.map((r) => r.data?.display_name)).toEqual(['Ada', 'Ada L.']);
  });

  it('writes a redelivered event once', async () => {
    const id = randomUUID();
    users.put(id);
    const e = events.userBanned(id);
    await publish(t, e);
    await publish(t, e);
    await processed(e.id);
    await new Promise((r) => setTimeout(r, 300));
    expect(await changesOf(id)).toHaveLength(1);
  });

  it('records file uploads and deletions, and ignores an upload that arrives after its deletion', async () => {
    const owner = randomUUID();
    const file = randomUUID();
    const up = events.fileUploaded(owner, file, 'report.pdf');
    await publish(t, up);
    await processed(up.id);
    const del = events.fileDeleted(owner, file);
    await publish(t, del);
    await processed(del.id);
    const late = events.fileUploaded(owner, file, 'report.pdf');
    await publish(t, late);
    await processed(late.id);
    const rows = await changesOf(file);
    expect(rows.map((r) => [r.op, r.user_id])).toEqual([['upsert', owner], ['delete', owner]]);
    expect(rows[0]!.data).toEqual({ id: file, owner_id: owner, name: 'report.pdf', size: 12, content_type: 'text/plain', sha256: 'a'.repeat(64) });
    expect(rows[1]!.data).toBeNull();
  });

  it('on user.deleted erases the user\'s earlier changes, writes tombstones for the user and their live files, and confirms the erasure', async () => {
    const id = randomUUID();
    users.put(id);
    const created = events.userCreated(id);
    const kept = events.fileUploaded(id);
    const gone = randomUUID();
    const goneUp = events.fileUploaded(id, gone);
    const goneDel = events.fileDeleted(id, gone);
    for (const e of [created, kept, goneUp]) await publish(t, e);
    for (const e of [created, kept, goneUp]) await processed(e.id);
    await publish(t, goneDel);
    await processed(goneDel.id);

    users.users.delete(id);
    const deleted = events.userDeleted(id);
    await publish(t, deleted);
    await processed(deleted.id);

    const rows = (await changeRows(t)).filter((r) => r.user_id === id);
    expect(rows.map((r) => [r.entity, r.entity_id, r.op, r.data, r.event_id])).toEqual([
      ['user', id, 'delete', null, deleted.id],
      ['file', kept.data.file_id, 'delete', null, deleted.id],
    ]);
    const erased = await t.outbox('user.data_erased');
    expect(erased.map((o) => o.envelope.data)).toContainEqual(expect.objectContaining({ user_id: id, service: 'sync' }));

    // A late event about the deleted user brings nothing back.
    const late = events.userUpdated(id);
    await publish(t, late);
    await processed(late.id);
    expect((await changeRows(t)).filter((r) => r.user_id === id)).toHaveLength(2);
  });

  it('keeps a user change while the user service is down and writes it once it is back', async () => {
    const id = randomUUID();
    users.put(id, { display_name: 'Patient' });
    users.down = true;
    const e = events.userCreated(id);
    const before = users.calls;
    await publish(t, e);
    await waitFor(async () => users.calls > before + 1, { what: 'a retried lookup' });
    expect(await changesOf(id)).toHaveLength(0);
    users.down = false;
    await processed(e.id);
    const rows = await changesOf(id);
    expect(rows).toHaveLength(1);
    expect(rows[0]!.data).toMatchObject({ display_name: 'Patient' });
  });

  it('writes nothing for a user the user service no longer has', async () => {
    const id = randomUUID();
    const e = events.userUpdated(id);
    await publish(t, e);
    await processed(e.id);
    expect(await changesOf(id)).toHaveLength(0);
  });
});
