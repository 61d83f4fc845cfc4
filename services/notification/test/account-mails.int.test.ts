import { randomBytes, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  authEmailVerificationRequested, authInvitationRequested, authLoginLocked, authPasswordResetRequested, userRegistered,
} from '@platform/shared/events';
import { sleep, startTestApp, waitFor, type TestApp } from './helpers.ts';

let t: TestApp;
beforeAll(async () => { t = await startTestApp(); });
afterAll(() => t?.stop());

const token = () => randomBytes(32).toString('base64url');
const inAnHour = () => new Date(Date.now() + 3600_000).toISOString();
const notificationsOf = (userId: string) =>
  t.rows<{ type: string; category: string; title: string; body: string; data: Record<string, unknown> }>(
    'SELECT type, category, title, body, data FROM notifications.notifications WHERE user_id = $1 ORDER BY seq', [userId]);

describe('account mails from auth events', () => {
  it('mails a verification link that carries the token to the address in the event', async () => {
    const email = t.email('verify');
    const secret = token();
    const userId = randomUUID();
    const event = authEmailVerificationRequested.create(
      { user_id: userId, email, display_name: 'Vera <b>Verify</b>', token: secret, expires_at: inAnHour() },
      { source: 'auth' },
    );
    await t.publish(event);
    const mail = await t.smtp.waitFor((m) => m.to.includes(email), { what: 'the verification mail' });

    expect(mail.subject).toBe('Confirm your email address');
    expect(mail.from).toContain('no-reply@platform.local');
    const link = `http://app.test/verify-email?token=${secret}`;
    expect(mail.text).toContain(link);
    expect(mail.html).toContain(`href="${link}"`);
    // The display name is escaped in HTML and kept as is in the text part.
    expect(mail.html).toContain('Vera &lt;b&gt;Verify&lt;/b&gt;');
    expect(mail.text).toContain('Hello Vera <b>Verify</b>,');
    const url = new URL(/http:\/\/app\.test\/verify-email\?token=\S+/.exec(mail.text)![0]);
    expect(url.searchParams.get('token')).toBe(secret);
    expect(mail.headers.get('x-notification-template')).toBe('email_verification');

    // The in-app notification tells the user without the link.
    const [inApp] = await waitFor(async () => { const r = await notificationsOf(userId); return r.length ? r : null; });
    expect(inApp).toMatchObject({ type: 'email_verification', category: 'security', title: 'Confirm your email address' });
    expect(JSON.stringify(inApp)).not.toContain(secret);
    const [delivery] = await t.rows('SELECT status, template, recipient_id, attempts, sent_at FROM notifications.deliveries WHERE event_id = $1', [event.id]);
    expect(delivery).toMatchObject({ status: 'sent', template: 'email_verification', recipient_id: userId, attempts: 1, sent_at: expect.any(Date) });
  });

  it('mails a password reset link to the reset-password page', async () => {
    const email = t.email('reset');
    const secret = token();
    await t.publish(authPasswordResetRequested.create(
      { user_id: randomUUID(), email, display_name: 'Rita', token: secret, expires_at: inAnHour() }, { source: 'auth' }));
    const mail = await t.smtp.waitFor((m) => m.to.includes(email), { what: 'the reset mail' });
    expect(mail.subject).toBe('Reset your password');
    expect(mail.text).toContain(`http://app.test/reset-password?token=${secret}`);
    expect(mail.html).toContain(`href="http://app.test/reset-password?token=${secret}"`);
  });

  it('writes the mail in the language the user service has for the user', async () => {
    const user = t.user({ locale: 'de-DE', display_name: 'Dora' });
    await t.publish(authPasswordResetRequested.create(
      { user_id: user.id, email: user.email, display_name: 'Dora', token: token(), expires_at: inAnHour() }, { source: 'auth' }));
    const mail = await t.smtp.waitFor((m) => m.to.includes(user.email), { what: 'the German reset mail' });
    expect(mail.subject).toBe('Passwort zurücksetzen');
    expect(mail.text).toContain('Hallo Dora,');
  });

  it('sends a mail whose address is in the event even while the user service is down (default language)', async () => {
    const user = t.user({ locale: 'de' });
    t.users.setDown(true);
    try {
      await t.publish(authPasswordResetRequested.create(
        { user_id: user.id, email: user.email, display_name: 'Offline', token: token(), expires_at: inAnHour() }, { source: 'auth' }));
      const mail = await t.smtp.waitFor((m) => m.to.includes(user.email), { what: 'the reset mail' });
      expect(mail.subject).toBe('Reset your password');
    } finally {
      t.users.setDown(false);
    }
  });

  it('still sends a mail whose address is in the event when the user service refuses the lookup', async () => {
    const user = t.user({ locale: 'de' });
    t.users.failWith(403);
    try {
      await t.publish(authPasswordResetRequested.create(
        { user_id: user.id, email: user.email, display_name: 'Refused', token: token(), expires_at: inAnHour() }, { source: 'auth' }));
      const mail = await t.smtp.waitFor((m) => m.to.includes(user.email), { what: 'the reset mail' });
      expect(mail.subject).toBe('Reset your password');
    } finally {
      t.users.failWith(null);
    }
  });

  it('mails an invitation with a set-password link', async () => {
    const email = t.email('invitee');
    const secret = token();
    await t.publish(authInvitationRequested.create({
      user_id: randomUUID(), email, display_name: 'Ivan', role: 'user', token: secret, expires_at: inAnHour(), invited_by: randomUUID(), source: 'admin',
    }, { source: 'auth' }));
    const mail = await t.smtp.waitFor((m) => m.to.includes(email), { what: 'the invitation' });
    expect(mail.subject).toBe('You have been invited to the platform');
    expect(mail.text).toContain(`http://app.test/reset-password?token=${secret}&invite=1`);
    expect(mail.html).toContain(`href="http://app.test/reset-password?token=${secret}&amp;invite=1"`);
  });

  it('welcomes a registered user', async () => {
    const email = t.email('welcome');
    const userId = randomUUID();
    await t.publish(userRegistered.create({ user_id: userId, email, display_name: 'Wendy', role: 'user', email_verified: false }, { source: 'auth' }));
    const mail = await t.smtp.waitFor((m) => m.to.includes(email), { what: 'the welcome mail' });
    expect(mail.subject).toBe('Welcome, Wendy');
    expect(mail.text).toContain('http://app.test');
    expect(await waitFor(async () => (await notificationsOf(userId)).find((n) => n.type === 'welcome'))).toMatchObject({ category: 'account' });
  });

  it('alerts the owner when sign-in was locked, and mails nobody for an address without an account', async () => {
    const user = t.user({ display_name: 'Lou', timezone: 'America/New_York' });
    const locked = authLoginLocked.create({ email: user.email, ip: '203.0.113.9', user_id: user.id, failures: 5, locked_until: inAnHour() }, { source: 'auth' });
    await t.publish(locked);
    const mail = await t.smtp.waitFor((m) => m.to.includes(user.email), { what: 'the lockout alert' });
    expect(mail.subject).toBe('Sign-in to your account was blocked');
    expect(mail.text).toContain('After 5 failed sign-in attempts from 203.0.113.9');
    expect(mail.text).toMatch(/blocked until .* (EST|EDT)\./);
    expect(mail.text).toContain('http://app.test/forgot-password');
    await t.handled('login-locked', locked.id);
    expect((await notificationsOf(user.id))[0]).toMatchObject({ type: 'login_locked', category: 'security', data: { ip: '203.0.113.9', failures: 5 } });

    const stranger = t.email('nobody');
    const event = authLoginLocked.create({ email: stranger, ip: '203.0.113.10', user_id: null, failures: 5, locked_until: inAnHour() }, { source: 'auth' });
    await t.publish(event);
    await t.handled('login-locked', event.id);
    await sleep(100);
    expect(t.smtp.to(stranger)).toEqual([]);
  });
});
