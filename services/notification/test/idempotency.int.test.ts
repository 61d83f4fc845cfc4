import { randomBytes, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { authPasswordResetRequested } from '@platform/shared/events';
import { sleep, startTestApp, type TestApp } from './helpers.ts';

let t: TestApp;
beforeAll(async () => { t = await startTestApp(); });
afterAll(() => t?.stop());

const resetEvent = (email: string) => authPasswordResetRequested.create(
  { user_id: randomUUID(), email, display_name: 'Dee', token: randomBytes(32).toString('base64url'), expires_at: new Date(Date.now() + 3600_000).toISOString() },
  { source: 'auth' },
);
const count = async (sql: string, id: string) => (await t.rows<{ n: number }>(sql, [id]))[0]!.n;
const deliveries = (eventId: string) => count('SELECT count(*)::int AS n FROM notifications.deliveries WHERE event_id = $1', eventId);
const inApp = (eventId: string) => count('SELECT count(*)::int AS n FROM notifications.notifications WHERE event_id = $1', eventId);

describe('a redelivered event sends one mail', () => {
  it('sends once when the same event arrives twice at once and again later', async () => {
    const email = t.email('twice');
    const event = resetEvent(email);
    await Promise.all([t.publish(event), t.publish(event)]);
    await t.smtp.waitFor((m) => m.to.includes(email));
    await t.handled('password-reset', event.id);
    await sleep(300);
    await t.publish(event);
    await sleep(300);
    expect(t.smtp.to(email)).toHaveLength(1);
    expect(await deliveries(event.id)).toBe(1);
    expect(await inApp(event.id)).toBe(1);
  });

  it('sends once even when the consumer inbox no longer knows the event (the delivery key holds)', async () => {
    const email = t.email('inbox-gone');
    const event = resetEvent(email);
    await t.publish(event);
    await t.smtp.waitFor((m) => m.to.includes(email));
    await t.handled('password-reset', event.id);
    const before = await t.rows('SELECT id, status, sent_at FROM notifications.deliveries WHERE event_id = $1', [event.id]);
    expect(before).toEqual([expect.objectContaining({ status: 'sent' })]);

    // As if the inbox row had been purged (retention) or another replica missed it.
    await t.db.pool.query('DELETE FROM notifications.inbox WHERE consumer = $1 AND event_id = $2', [t.queue('password-reset'), event.id]);
    await t.publish(event);
    await t.handled('password-reset', event.id);
    await sleep(100);

    expect(t.smtp.to(email)).toHaveLength(1);
    expect(await t.rows('SELECT id, status, sent_at FROM notifications.deliveries WHERE event_id = $1', [event.id])).toEqual(before);
    expect(await inApp(event.id)).toBe(1);
  });

  it('retries a mail the SMTP server refused for a while, and sends it once', async () => {
    const email = t.email('refused');
    const event = resetEvent(email);
    t.smtp.refuse(true);
    await t.publish(event);
    await sleep(150); // the first attempt is refused (451) and waits in a retry queue
    t.smtp.refuse(false);
    await t.smtp.waitFor((m) => m.to.includes(email), { what: 'the mail after the refusal' });
    await t.handled('password-reset', event.id);
    await sleep(300);
    expect(t.smtp.to(email)).toHaveLength(1);
    const [row] = await t.rows<{ attempts: number; status: string }>('SELECT attempts, status FROM notifications.deliveries WHERE event_id = $1', [event.id]);
    expect(row).toMatchObject({ status: 'sent' });
    expect(row!.attempts).toBeGreaterThan(1);
  });

  it('records a mail the server refuses for good as failed instead of retrying it', async () => {
    const email = t.email('no-such-mailbox');
    t.smtp.rejectRecipient(email);
    const event = resetEvent(email);
    await t.publish(event);
    await t.handled('password-reset', event.id);
    const [row] = await t.rows<{ status: string; attempts: number; last_error: string }>(
      'SELECT status, attempts, last_error FROM notifications.deliveries WHERE event_id = $1', [event.id]);
    expect(row).toMatchObject({ status: 'failed', attempts: 1, last_error: expect.stringContaining('550') });
    expect(await inApp(event.id)).toBe(1);
    await sleep(400); // past every retry delay: nothing was retried
    expect(t.smtp.to(email)).toEqual([]);
    expect(await t.rows('SELECT attempts FROM notifications.deliveries WHERE event_id = $1', [event.id])).toEqual([{ attempts: 1 }]);
  });
});
