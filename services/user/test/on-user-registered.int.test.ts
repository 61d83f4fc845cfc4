import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { userRegistered } from '@platform/shared/events';
import { API, startTestApp, waitFor, type TestApp, type TestEvents } from './helpers.ts';

let t: TestApp;
let events: TestEvents;
beforeAll(async () => {
  t = await startTestApp();
  events = await t.startEvents();
});
afterAll(() => t?.stop());

const registered = (over: Partial<{ user_id: string; email: string; display_name: string; role: 'user' | 'admin' }> = {}, id?: string) =>
  userRegistered.create({
    user_id: over.user_id ?? randomUUID(),
    email: over.email ?? t.email('reg'),
    display_name: over.display_name ?? 'Registered User',
    role: over.role ?? 'user',
    email_verified: false,
  }, { source: 'auth', ...(id && { id }) });

const profile = async (id: string) => (await t.rows('SELECT * FROM users.users WHERE id = $1', [id]))[0];
const createdEvents = async (id: string) => (await t.outbox('user.created')).filter((e) => e.envelope.data.user_id === id);
const inboxRows = async (eventId: string) => (await t.rows<{ n: number }>('SELECT count(*)::int AS n FROM users.inbox WHERE event_id = $1', [eventId]))[0]!.n;

describe('user.registered → profile (queue user.profiles)', () => {
  it('creates the profile and publishes user.created through the outbox', async () => {
    const event = registered({ display_name: 'Newcomer', role: 'admin' });
    await events.publish(event);
    const row = await waitFor(() => profile(event.data.user_id), { what: 'the profile' });
    expect(row).toMatchObject({ email: event.data.email, display_name: 'Newcomer', role: 'admin', status: 'active', version: 1, created_by: null });
    const [created] = await createdEvents(event.data.user_id);
    expect(created!.envelope).toMatchObject({
      source: 'user', subject: event.data.user_id,
      data: { user_id: event.data.user_id, email: event.data.email, display_name: 'Newcomer', role: 'admin', created_by: null },
    });
    // The relay publishes it.
    await waitFor(async () => (await t.rows<{ sent_at: Date | null }>('SELECT sent_at FROM users.outbox WHERE id = $1', [created!.envelope.id]))[0]?.sent_at, { what: 'the relay' });
  });

  it('does nothing twice when the same event is delivered again', async () => {
    const event = registered();
    await events.publish(event);
    await waitFor(() => profile(event.data.user_id));
    await events.publish(event);
    await events.publish(event);
    await waitFor(async () => (await t.rows<{ n: number }>(
      `SELECT count(*)::int AS n FROM users.inbox WHERE event_id = $1`, [event.id]))[0]!.n === 1);
    // Give the redeliveries time to be handled (and dropped).
    await new Promise((r) => setTimeout(r, 300));
    expect(await inboxRows(event.id)).toBe(1);
    expect(await createdEvents(event.data.user_id)).toHaveLength(1);
    expect(await t.rows('SELECT id FROM users.users WHERE id = $1', [event.data.user_id])).toHaveLength(1);
  });

  it('keeps a profile the first request already created, without a second user.created', async () => {
    const p = t.seedIdentity({ displayName: 'Quick' });
    expect((await request(t.app).get(`${API}/profile`).set('authorization', p.token)).status).toBe(200);
    const before = await profile(p.id);
    const event = registered({ user_id: p.id, email: p.email, display_name: 'From Event' });
    await events.publish(event);
    await waitFor(async () => (await inboxRows(event.id)) === 1, { what: 'the event to be handled' });
    expect(await profile(p.id)).toEqual(before);
    expect(await createdEvents(p.id)).toHaveLength(1);
  });

  it('treats a second registration event for the same user (new event id) as done', async () => {
    const first = registered();
    await events.publish(first);
    await waitFor(() => profile(first.data.user_id));
    const again = registered({ user_id: first.data.user_id, email: first.data.email, display_name: 'Other Name' });
    await events.publish(again);
    await waitFor(async () => (await inboxRows(again.id)) === 1);
    expect((await profile(first.data.user_id))!.display_name).toBe('Registered User');
    expect(await createdEvents(first.data.user_id)).toHaveLength(1);
  });
});

describe('user.registered whose email another profile holds', () => {
  it('creates nothing and publishes nothing (the event is still marked handled)', async () => {
    const holder = await t.seedUser();
    const event = registered({ email: holder.email });
    const before = await t.rows('SELECT id FROM users.users ORDER BY id');
    await events.publish(event);
    await waitFor(async () => (await inboxRows(event.id)) === 1, { what: 'the event to be handled' });
    expect(await t.rows('SELECT id FROM users.users ORDER BY id')).toEqual(before);
    expect(await createdEvents(event.data.user_id)).toHaveLength(0);
  });
});
