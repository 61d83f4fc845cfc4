import { randomBytes, randomUUID } from 'node:crypto';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fileUploaded, syncJobCompleted, syncJobFailed, userBanned } from '@platform/shared/events';
import { API, sleep, startTestApp, waitFor, type TestApp } from './helpers.ts';
import type { ReceivedMail } from './support/smtp-receiver.ts';

let t: TestApp;
// Retries spread over ~6 s and a breaker that lets a trial call through after 300 ms, so "the user
// service comes back" happens within a test.
beforeAll(async () => { t = await startTestApp({ EVENT_RETRY_DELAYS_MS: '200,400,800,1600,3200', USER_SERVICE_BREAKER_RESET_MS: '300' }); });
afterAll(() => t?.stop());

const headerLine = (mail: ReceivedMail, key: string) => mail.parsed.headerLines.find((h) => h.key === key)?.line;

const upload = (ownerId: string, over: Partial<{ name: string; size: number; large: boolean }> = {}) => fileUploaded.create({
  file_id: randomUUID(), owner_id: ownerId, name: 'holiday.mov', size: 3 * 1024 ** 3, content_type: 'video/quicktime',
  sha256: randomBytes(32).toString('hex'), large: true, ...over,
}, { source: 'file' });


describe('notices to users and admins', () => {
  it('tells a banned user why and until when, with the address from the user service', async () => {
    const user = t.user({ display_name: 'Bo', status: 'banned' });
    await t.publish(userBanned.create({ user_id: user.id, reason: 'Spam <links>', until: null, banned_by: randomUUID() }, { source: 'user' }));
    const mail = await t.smtp.waitFor((m) => m.to.includes(user.email), { what: 'the ban notice' });
    expect(mail.subject).toBe('Your account has been suspended');
    expect(headerLine(mail, 'list-unsubscribe')).toBeUndefined();
    expect(mail.text).toContain('Your account has been suspended (with no end date).');
    expect(mail.text).toContain('Reason: Spam <links>');
    expect(mail.html).toContain('Reason: Spam &lt;links&gt;');
    expect(t.users.lookups.some((ids) => ids.includes(user.id))).toBe(true);
    expect(t.users.authorizations.at(-1)).toBe('Bearer test-service-token');
  });

  it('tells the owner that a large upload finished, in their language, and says nothing about small ones', async () => {
    const user = t.user({ locale: 'de', display_name: 'Uwe' });
    const big = upload(user.id, { name: 'film.mov', size: 1_610_612_736 });
    await t.publish(big);
    const mail = await t.smtp.waitFor((m) => m.to.includes(user.email), { what: 'the upload notice' });
    expect(mail.subject).toBe('Der Upload von film.mov ist fertig');
    expect(mail.text).toContain('film.mov (1,5 GB)');
    expect(headerLine(mail, 'list-unsubscribe')).toBe('List-Unsubscribe: <http://app.test/settings/notifications>');
    await t.handled('large-upload', big.id);
    const [row] = await t.rows('SELECT type, category, data FROM notifications.notifications WHERE user_id = $1', [user.id]);
    expect(row).toMatchObject({ type: 'large_upload', category: 'files', data: { file_id: big.data.file_id, name: 'film.mov' } });

    const small = upload(user.id, { name: 'note.txt', size: 10, large: false });
    await t.publish(small);
    await t.handled('large-upload', small.id);
    expect(t.smtp.to(user.email)).toHaveLength(1);
  });

  it('waits while the user service is down and delivers once it is back', async () => {
    const user = t.user({ display_name: 'Patience' });
    t.users.setDown(true);
    const event = upload(user.id);
    await t.publish(event);
    await sleep(900); // the first attempts fail and wait in the retry queues
    expect(t.smtp.to(user.email)).toEqual([]);
    expect(await t.rows('SELECT 1 FROM notifications.deliveries WHERE event_id = $1', [event.id])).toEqual([]);

    t.users.setDown(false);
    const mail = await t.smtp.waitFor((m) => m.to.includes(user.email), { timeoutMs: 15_000, what: 'the delayed notice' });
    expect(mail.subject).toBe('Your upload of holiday.mov is complete');
    await t.handled('large-upload', event.id);
    const [delivery] = await t.rows<{ attempts: number; status: string }>('SELECT attempts, status FROM notifications.deliveries WHERE event_id = $1', [event.id]);
    expect(delivery!.status).toBe('sent');
    expect(delivery!.attempts).toBeGreaterThan(1);
    expect(t.smtp.to(user.email)).toHaveLength(1);
  });

  it('sends nothing for a user the user service does not know (deleted meanwhile)', async () => {
    const event = upload(randomUUID());
    await t.publish(event);
    await t.handled('large-upload', event.id);
    expect(await t.rows('SELECT 1 FROM notifications.deliveries WHERE event_id = $1', [event.id])).toEqual([]);
  });

  it('leaves out mails the user turned off, but never security mail', async () => {
    const user = t.user();
    const res = await request(t.app).put(`${API}/notifications/preferences`)
      .set('authorization', t.bearer({ id: user.id, role: 'user' }))
      .send({ files: { email: false } });
    expect(res.status, JSON.stringify(res.body)).toBe(200);

    const event = upload(user.id);
    await t.publish(event);
    await t.handled('large-upload', event.id);
    const [delivery] = await t.rows('SELECT status FROM notifications.deliveries WHERE event_id = $1', [event.id]);
    expect(delivery).toMatchObject({ status: 'skipped' });
    expect(t.smtp.to(user.email)).toEqual([]);
    // The in-app notification still arrives.
    expect(await t.rows('SELECT type FROM notifications.notifications WHERE user_id = $1', [user.id])).toEqual([{ type: 'large_upload' }]);

    await t.db.pool.query(`INSERT INTO notifications.preferences (user_id, category, channel, enabled) VALUES ($1, 'security', 'in_app', false)`, [user.id]);
    await t.publish(userBanned.create({ user_id: user.id, reason: 'r', until: new Date(Date.now() + 86_400_000).toISOString(), banned_by: randomUUID() }, { source: 'user' }));
    const mail = await t.smtp.waitFor((m) => m.to.includes(user.email), { what: 'the security mail' });
    expect(mail.text).toMatch(/suspended \(until .* UTC\)/);
    // in_app for security was turned off: no inbox row for it.
    expect(await t.rows('SELECT type FROM notifications.notifications WHERE user_id = $1', [user.id])).toEqual([{ type: 'large_upload' }]);
  });

  it('mails the admins when a sync job finished', async () => {
    const event = syncJobCompleted.create({ job_id: randomUUID(), connection_id: randomUUID(), counts: { created: 10, updated: 2 } }, { source: 'sync' });
    await t.publish(event);
    const admin = t.config.ADMIN_ALERT_EMAILS[0]!;
    const mail = await t.smtp.waitFor((m) => m.to.includes(admin) && m.subject.includes(event.data.job_id), { what: 'the sync mail' });
    expect(mail.subject).toBe(`Sync job ${event.data.job_id} finished`);
    expect(mail.text).toContain('Records: created 10, updated 2');
  });

  it('mails the admins and posts an ops alert when a sync job failed', async () => {
    const event = syncJobFailed.create({ job_id: randomUUID(), connection_id: randomUUID(), counts: { created: 3 }, error: 'Canvas answered 401' }, { source: 'sync' });
    await t.publish(event);
    const admin = t.config.ADMIN_ALERT_EMAILS[0]!;
    const mail = await t.smtp.waitFor((m) => m.to.includes(admin) && m.subject.includes(event.data.job_id), { what: 'the sync failure mail' });
    expect(mail.text).toContain('Canvas answered 401');
    const alert = await waitFor(() => t.alerts.find((a) => a.text.includes(event.data.job_id)), { what: 'the ops alert' });
    expect(alert.text).toContain('failed: Canvas answered 401');
    expect(alert.text).toContain('created 3');
  });
});
