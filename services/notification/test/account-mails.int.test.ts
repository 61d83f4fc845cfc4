import { randomBytes, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { authEmailVerificationRequested } from '@platform/shared/events';
import { startTestApp, type TestApp } from './helpers.ts';

let t: TestApp;
beforeAll(async () => { t = await startTestApp(); });
afterAll(() => t?.stop());

const token = () => randomBytes(32).toString('base64url');
const inAnHour = () => new Date(Date.now() + 3600_000).toISOString();

describe('account mails from auth events', () => {
  it('mails a verification link that carries the token to the address in the event', async () => {
    const email = t.email('verify');
    const secret = token();
    const event = authEmailVerificationRequested.create(
      { user_id: randomUUID(), email, display_name: 'Vera <b>Verify</b>', token: secret, expires_at: inAnHour() },
      { source: 'auth' },
    );
    await t.publish(event);
    const mail = await t.smtp.waitFor((m) => m.to.includes(email), { what: 'the verification mail' });

    expect(mail.subject).toBe('Confirm your email address');
    const link = `http://app.test/verify-email?token=${secret}`;
    expect(mail.text).toContain(link);
    expect(mail.html).toContain(`href="${link}"`);
    // The display name is escaped in HTML and kept as is in the text part.
    expect(mail.html).toContain('Vera &lt;b&gt;Verify&lt;/b&gt;');
    expect(mail.text).toContain('Hello Vera <b>Verify</b>,');
    const url = new URL(/http:\/\/app\.test\/verify-email\?token=\S+/.exec(mail.text)![0]);
    expect(url.searchParams.get('token')).toBe(secret);
  });
});
