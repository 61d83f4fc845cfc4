import { describe, expect, it } from 'vitest';
import type { Notification, NotificationInput } from '../src/domain/notification.ts';
import type { PreferenceChoice } from '../src/domain/preferences.ts';
import { notify } from '../src/usecases/notify.ts';
import type { NotificationRepo, NotifyEvent, PreferenceRepo, Tx, TxScope } from '../src/usecases/ports.ts';

// In-memory ports: notify() is a pure decision over them.
function setup(choices: PreferenceChoice[] = []) {
  const rows: Notification[] = [];
  const notifications: NotificationRepo = {
    async insert(_tx, input) {
      if (input.eventId && rows.some((r) => r.userId === input.userId && r.eventId === input.eventId && r.type === input.type)) return null;
      const row: Notification = {
        id: `n${rows.length + 1}`, seq: String(rows.length + 1), userId: input.userId, category: input.category, type: input.type,
        title: input.title, body: input.body, data: input.data ?? {}, eventId: input.eventId ?? null, readAt: null, createdAt: new Date(),
      };
      rows.push(row);
      return row;
    },
    deleteForUser: async () => 0,
  };
  const preferences: PreferenceRepo = { list: async () => choices, upsert: async () => {}, deleteForUser: async () => 0 };
  const calls: string[] = [];
  const seen: NotifyEvent[] = [];
  const listeners = [{
    async inTx(_tx: unknown, e: NotifyEvent) { calls.push(`inTx:${e.notification?.id ?? 'none'}`); seen.push(e); },
    afterCommit(e: NotifyEvent) { calls.push(`afterCommit:${e.notification?.id ?? 'none'}`); },
  }];
  const committed: (() => unknown)[] = [];
  const scope: TxScope = { tx: {} as Tx, afterCommit: (fn) => { committed.push(fn); } };
  const commit = async () => { for (const fn of committed.splice(0)) await fn(); };
  return { deps: { notifications, preferences, listeners }, rows, calls, seen, scope, commit };
}

const input: NotificationInput = {
  userId: 'u1', category: 'files', type: 'large_upload', title: 'Done', body: 'Your upload finished', eventId: 'e1', eventType: 'file.uploaded',
};

describe('notify()', () => {
  it('writes the inbox row, runs listeners in the transaction and queues the after-commit part', async () => {
    const s = setup();
    const event = await notify(s.deps, s.scope, input);
    expect(event?.notification).toMatchObject({ id: 'n1', userId: 'u1', type: 'large_upload' });
    expect(event?.channels).toEqual({ inApp: true, webhook: true });
    expect(s.calls).toEqual(['inTx:n1']);
    await s.commit();
    expect(s.calls).toEqual(['inTx:n1', 'afterCommit:n1']);
  });

  it('does nothing for a redelivered event', async () => {
    const s = setup();
    await notify(s.deps, s.scope, input);
    await s.commit();
    expect(await notify(s.deps, s.scope, input)).toBeNull();
    await s.commit();
    expect(s.rows).toHaveLength(1);
    expect(s.calls).toEqual(['inTx:n1', 'afterCommit:n1']);
  });

  it('stores nothing when in-app is off for the category, but still tells the listeners (webhooks decide on their own channel)', async () => {
    const s = setup([{ category: 'files', channel: 'in_app', enabled: false }, { category: 'files', channel: 'webhook', enabled: false }]);
    const event = await notify(s.deps, s.scope, input);
    expect(s.rows).toEqual([]);
    expect(event).toMatchObject({ notification: null, channels: { inApp: false, webhook: false } });
    expect(s.calls).toEqual(['inTx:none']);
  });
});
