import { describe, expect, it } from 'vitest';
import { loadNotificationConfig } from '../src/config.ts';

const KEY_HEX = 'ab'.repeat(32);
const base = { SERVICE_CLIENT_SECRET: 's', WEBHOOK_SECRET_KEY: KEY_HEX };

describe('notification config', () => {
  it('has the documented defaults', () => {
    const c = loadNotificationConfig(base);
    expect(c).toMatchObject({
      PORT: 3005, SMTP_URL: 'smtp://127.0.0.1:1025', USER_SERVICE_URL: 'http://127.0.0.1:3002', PUBLIC_APP_URL: 'http://127.0.0.1:8000',
      SERVICE_CLIENT_ID: 'notification', EVENT_QUEUE_PREFIX: 'notification', DEFAULT_LOCALE: 'en', ADMIN_ALERT_EMAILS: [], WEBHOOK_ALLOWED_HOSTS: [],
    });
    expect(c.OPS_ALERT_WEBHOOK_URL).toBeUndefined();
    expect(c.WEBHOOK_SECRET_KEY).toEqual(Buffer.from(KEY_HEX, 'hex'));
    expect(c.EVENT_RETRY_DELAYS_MS).toEqual([1000, 5000, 30000, 120000, 600000, 1800000]);
  });

  it('takes the webhook key as hex or base64 and lists as comma lists', () => {
    const b64 = Buffer.alloc(32, 7).toString('base64');
    const c = loadNotificationConfig({ ...base, WEBHOOK_SECRET_KEY: b64, WEBHOOK_ALLOWED_HOSTS: '127.0.0.1, localhost', ADMIN_ALERT_EMAILS: 'a@x.io,b@x.io', EVENT_RETRY_DELAYS_MS: '10, 20' });
    expect(c.WEBHOOK_SECRET_KEY).toEqual(Buffer.alloc(32, 7));
    expect(c.WEBHOOK_ALLOWED_HOSTS).toEqual(['127.0.0.1', 'localhost']);
    expect(c.ADMIN_ALERT_EMAILS).toEqual(['a@x.io', 'b@x.io']);
    expect(c.EVENT_RETRY_DELAYS_MS).toEqual([10, 20]);
  });

  it('names every bad variable at once and hides secret values', () => {
    let message = '';
    try {
      loadNotificationConfig({ WEBHOOK_SECRET_KEY: 'too-short-secret', SMTP_URL: 'http://mail', ADMIN_ALERT_EMAILS: 'not-an-email', EVENT_RETRY_DELAYS_MS: '1,x' });
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toContain('WEBHOOK_SECRET_KEY=(hidden)');
    expect(message).not.toContain('too-short-secret');
    for (const name of ['SERVICE_CLIENT_SECRET', 'SMTP_URL', 'ADMIN_ALERT_EMAILS', 'EVENT_RETRY_DELAYS_MS']) expect(message).toContain(name);
  });
});
