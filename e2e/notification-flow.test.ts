// The notification service through the front door: `npm start`'s launcher brings up the platform
// with SMTP pointed at a real SMTP server in this test and webhooks allowed to reach a receiver on
// loopback. A client registers and verifies the email from the link in the mail, follows a
// forgot-password mail to reset (old sessions are rejected after), watches its notifications
// arrive live over SSE through the gateway and catches up with Last-Event-ID after a reconnect, and
// gets a signed webhook the receiver verifies with the Standard Webhooks algorithm.
import { randomBytes } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call } from './support/http.ts';
import { startMailCatcher, type CaughtMail, type MailCatcher } from './support/mail-catcher.ts';
import { startPlatform, type PlatformProcess } from './support/platform-process.ts';
import { startWebhookReceiver, type WebhookReceiver } from './support/webhook-receiver.ts';

const api = 'http://127.0.0.1:8000/KONGAPI/api/v1';
const APP_URL = 'http://app.e2e.test';
const email = `nf-${randomBytes(4).toString('hex')}@example.com`;
const PASSWORD = 'Notify-Flow-Passw0rd!';
const NEW_PASSWORD = 'Notify-Flow-Passw0rd-2!';
let platform: PlatformProcess;
let mail: MailCatcher;
let hooks: WebhookReceiver;

beforeAll(async () => {
  mail = await startMailCatcher();
  hooks = await startWebhookReceiver();
  platform = await startPlatform({
    LOG_LEVEL: 'warn',
    SMTP_URL: mail.url,
    PUBLIC_APP_URL: APP_URL,
    WEBHOOK_ALLOWED_HOSTS: '127.0.0.1',
    WEBHOOK_POLL_MS: '50',
    WEBHOOK_RETRY_SCHEDULE_MS: '300,1000,2000',
  });
});

afterAll(async () => {
  await platform?.stop();
  await Promise.all([mail?.close(), hooks?.close()]);
});

const tokenIn = (m: CaughtMail, page: string) => {
  const link = new RegExp(`${APP_URL.replace(/\./g, '\\.')}/${page}\\?token=([^\\s"<>&]+)`).exec(m.text);
  expect(link, m.text).not.toBeNull();
  return decodeURIComponent(link![1]!);
};

type SseEvent = { id: string; event: string; data: string };

/** A client of GET /notifications/stream through the gateway (fetch + the SSE wire format). */
async function openStream(token: string, lastEventId?: string) {
  const abort = new AbortController();
  const res = await fetch(`${api}/notifications/stream`, {
    headers: { authorization: `Bearer ${token}`, accept: 'text/event-stream', ...(lastEventId && { 'last-event-id': lastEventId }) },
    signal: abort.signal,
  });
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toContain('text/event-stream');
  const events: SseEvent[] = [];
  const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  void (async () => {
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return;
        buffer += value;
        for (let at = buffer.indexOf('\n\n'); at >= 0; at = buffer.indexOf('\n\n')) {
          const lines = buffer.slice(0, at).split('\n');
          buffer = buffer.slice(at + 2);
          const field = (name: string) => lines.find((l) => l.startsWith(`${name}: `))?.slice(name.length + 2);
          const data = field('data');
          if (data !== undefined) events.push({ id: field('id') ?? '', event: field('event') ?? 'message', data });
        }
      }
    } catch { /* closed */ }
  })();
  return {
    events,
    async waitFor(match: (e: SseEvent) => boolean, timeoutMs = 20_000) {
      const deadline = Date.now() + timeoutMs;
      while (Date.now() < deadline) {
        const found = events.find(match);
        if (found) return found;
        await new Promise((r) => setTimeout(r, 50));
      }
      throw new Error(`no matching SSE event within ${timeoutMs} ms: ${JSON.stringify(events.map((e) => JSON.parse(e.data).type))}`);
    },
    close: () => abort.abort(),
  };
}

const typeOf = (e: SseEvent) => (JSON.parse(e.data) as { type: string }).type;

describe('notifications end to end', () => {
  let userId = '';
  let accessToken = '';
  let refreshToken = '';

  it('mails a verification link on registration whose token verifies the email', async () => {
    const reg = await call('POST', `${api}/public/auth/register`, { body: { email, password: PASSWORD, display_name: 'Nora Notify' } });
    expect(reg.status, JSON.stringify(reg.body)).toBe(201);
    userId = reg.body.data.user.id;
    accessToken = reg.body.data.access_token;
    refreshToken = reg.body.data.refresh_token;
    expect(reg.body.data.user.email_verified).toBe(false);

    const verification = await mail.waitFor((m) => m.to.includes(email) && m.text.includes('/verify-email?token='), 30_000);
    const verified = await call('POST', `${api}/public/auth/verify-email`, { body: { token: tokenIn(verification, 'verify-email') } });
    expect(verified.status, JSON.stringify(verified.body)).toBe(200);
    expect(verified.body.data.user).toMatchObject({ id: userId, email_verified: true });
  });

  it('pushes a notification live over SSE through the gateway, and the missed ones after a reconnect with Last-Event-ID', async () => {
    // What registration caused has arrived first, so the stream below sees only what follows.
    const deadline = Date.now() + 20_000;
    for (;;) {
      const inbox = await call('GET', `${api}/notifications?limit=100`, { token: accessToken });
      expect(inbox.status, JSON.stringify(inbox.body)).toBe(200);
      if (inbox.body.data.some((n: { type: string }) => n.type === 'email_verification')) break;
      if (Date.now() > deadline) throw new Error(`no email_verification notification: ${JSON.stringify(inbox.body.data)}`);
      await new Promise((r) => setTimeout(r, 100));
    }

    const live = await openStream(accessToken);
    expect((await call('POST', `${api}/public/auth/forgot-password`, { body: { email } })).status).toBe(202);
    const first = await live.waitFor((e) => typeOf(e) === 'password_reset');
    expect(first.event).toBe('notification');
    expect(JSON.parse(first.data)).toMatchObject({ type: 'password_reset', category: 'security', read: false });
    expect(first.data).not.toMatch(/token=/);
    const lastSeen = live.events.at(-1)!.id;
    const seenBefore = live.events.map((e) => e.id);
    live.close();

    // Missed while disconnected: a second reset request.
    expect((await call('POST', `${api}/public/auth/forgot-password`, { body: { email } })).status).toBe(202);
    await mail.waitFor((m) => m.to.includes(email) && m.text.includes('/reset-password?token=') && m !== mail.mails.find((x) => x.text.includes('/reset-password?token=')), 30_000);
    const resumed = await openStream(accessToken, lastSeen);
    const missed = await resumed.waitFor((e) => typeOf(e) === 'password_reset');
    await new Promise((r) => setTimeout(r, 500));
    expect(seenBefore).not.toContain(missed.id);
    expect(Number(missed.id)).toBeGreaterThan(Number(lastSeen));
    expect(resumed.events.filter((e) => typeOf(e) === 'password_reset')).toHaveLength(1);
    expect(new Set(resumed.events.map((e) => e.id)).size).toBe(resumed.events.length);
    resumed.close();
  });

  it('resets the password from the mailed link, after which the old sessions are rejected', async () => {
    const resets = mail.mails.filter((m) => m.to.includes(email) && m.text.includes('/reset-password?token='));
    expect(resets.length).toBeGreaterThanOrEqual(2);
    const reset = await call('POST', `${api}/public/auth/reset-password`, { body: { token: tokenIn(resets.at(-1)!, 'reset-password'), password: NEW_PASSWORD } });
    expect(reset.status, JSON.stringify(reset.body)).toBe(200);

    const oldAccess = await call('GET', `${api}/notifications`, { token: accessToken });
    expect(oldAccess.status).toBe(401);
    expect(oldAccess.body).toMatchObject({ success: false });
    expect((await call('POST', `${api}/public/auth/refresh`, { body: { refresh_token: refreshToken } })).status).toBe(401);
    expect((await call('POST', `${api}/public/auth/login`, { body: { email, password: PASSWORD } })).status).toBe(401);
    const login = await call('POST', `${api}/public/auth/login`, { body: { email, password: NEW_PASSWORD } });
    expect(login.status).toBe(200);
    accessToken = login.body.data.access_token;
  });

  it('delivers a signed webhook about the user, retried after the receiver answers 500, that the receiver verifies with the Standard Webhooks algorithm', async () => {
    const created = await call('POST', `${api}/webhooks`, { token: accessToken, body: { url: hooks.url, events: ['auth.login_locked'] } });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const { id, secret } = created.body.data;
    expect(secret).toMatch(/^whsec_/);
    const listed = await call('GET', `${api}/webhooks/${id}`, { token: accessToken });
    expect(JSON.stringify(listed.body)).not.toContain(secret.slice(6));

    // Five wrong passwords lock the account (auth.login_locked about this user); the receiver fails the first try.
    hooks.respondWith(500);
    for (let i = 0; i < 5; i++) await call('POST', `${api}/public/auth/login`, { body: { email, password: 'Wrong-Passw0rd-123' } });
    const hook = await hooks.waitFor((h) => h.body.includes('auth.login_locked') && h.status === 200, 30_000);
    const tries = hooks.received.filter((h) => h.headers['webhook-id'] === hook.headers['webhook-id']);
    expect(tries.map((h) => h.status)).toEqual([500, 200]);
    const payload = new Webhook(secret).verify(hook.body, hook.headers as Record<string, string>) as { type: string; data: { user_id: string } };
    expect(payload).toMatchObject({ type: 'auth.login_locked', data: { user_id: userId } });
    expect(hook.headers.traceparent).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-0[01]$/);

    const deadline = Date.now() + 10_000;
    let log = await call('GET', `${api}/webhooks/${id}/deliveries`, { token: accessToken });
    while (log.body.data?.[0]?.status !== 'succeeded' && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 100));
      log = await call('GET', `${api}/webhooks/${id}/deliveries`, { token: accessToken });
    }
    expect(log.body.data[0]).toMatchObject({ id: hook.headers['webhook-id'], event_type: 'auth.login_locked', status: 'succeeded', attempts: 2, last_status_code: 200 });
  });
});
