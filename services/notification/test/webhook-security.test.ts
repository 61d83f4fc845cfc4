import { randomBytes } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { describe, expect, it } from 'vitest';
import { embeddedIpv4, isPublicAddress } from '../src/domain/ip-ranges.ts';
import { DEFAULT_RETRY_SCHEDULE_MS, retryDelayMs } from '../src/domain/webhook-backoff.ts';
import { eventSubject, subscribableEvents } from '../src/domain/webhook-events.ts';
import { generateWebhookSecret, signWebhook } from '../src/domain/webhook-signature.ts';
import { WebhookTargetError } from '../src/domain/webhook-errors.ts';
import { createSecretBox } from '../src/infra/secret-box.ts';
import { createUrlGuard } from '../src/infra/url-guard.ts';

describe('isPublicAddress', () => {
  it.each([
    '127.0.0.1', '127.255.0.9', '10.1.2.3', '172.16.0.1', '172.31.255.255', '192.168.1.1', '169.254.169.254', '0.0.0.0',
    '100.64.0.1', '224.0.0.1', '255.255.255.255', '::1', '::', 'fe80::1', 'fc00::1', 'fd12:3456::1', 'ff02::1',
    '::ffff:127.0.0.1', '::ffff:7f00:1', '::ffff:10.0.0.1', '::ffff:a9fe:a9fe', '64:ff9b::a9fe:a9fe', '::127.0.0.1',
    'not-an-ip', '',
  ])('refuses %s', (address) => {
    expect(isPublicAddress(address)).toBe(false);
  });

  it.each(['8.8.8.8', '93.184.216.34', '172.32.0.1', '2606:4700:4700::1111', '::ffff:8.8.8.8'])('allows %s', (address) => {
    expect(isPublicAddress(address)).toBe(true);
  });

  it('unwraps IPv4 carried in IPv6', () => {
    expect(embeddedIpv4('::ffff:7f00:1')).toBe('127.0.0.1');
    expect(embeddedIpv4('64:ff9b::808:808')).toBe('8.8.8.8');
    expect(embeddedIpv4('2606:4700::1')).toBeNull();
  });
});

describe('createUrlGuard', () => {
  const resolveTo = (table: Record<string, string[]>) => async (host: string) => {
    const list = table[host];
    if (!list) throw new Error('ENOTFOUND');
    return list.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
  };
  const guard = createUrlGuard({
    allowedHosts: ['receiver.test', '10.9.9.9'],
    resolve: resolveTo({
      'public.test': ['93.184.216.34'], 'loop.test': ['127.0.0.1'], 'mixed.test': ['93.184.216.34', '10.0.0.5'],
      'receiver.test': ['127.0.0.1'], 'v6loop.test': ['::1'], 'points-at-allowed.test': ['10.9.9.9'],
    }),
  });
  const reason = async (url: string) => guard.check(url).then(() => 'ok', (e: unknown) => (e instanceof WebhookTargetError ? e.reason : String(e)));

  it('accepts public targets and allow-listed hosts', async () => {
    expect(await reason('https://public.test/hook')).toBe('ok');
    expect(await reason('http://receiver.test:8080/hook')).toBe('ok');
    expect(await reason('http://10.9.9.9/hook')).toBe('ok');
  });

  it('refuses internal targets, including a name that resolves to loopback and any one bad address', async () => {
    for (const url of ['http://127.0.0.1/', 'http://10.0.0.1/', 'http://169.254.169.254/latest/meta-data', 'http://[::1]/', 'http://loop.test/',
      'http://mixed.test/', 'http://v6loop.test/', 'http://points-at-allowed.test/', 'http://[::ffff:127.0.0.1]/', 'http://0.0.0.0/', 'http://2130706433/']) {
      expect(await reason(url), url).toBe('forbidden_address');
    }
  });

  it('refuses other schemes, credentials and names that do not resolve', async () => {
    expect(await reason('ftp://public.test/')).toBe('scheme');
    expect(await reason('https://u:p@public.test/')).toBe('credentials');
    expect(await reason('https://nowhere.test/')).toBe('unresolvable');
  });

  it('checks the addresses a connection resolves (DNS rebinding)', async () => {
    const looked = await new Promise<unknown>((resolve) => guard.connectLookup('loop.test', {}, (err) => resolve(err)));
    expect((looked as NodeJS.ErrnoException).code).toBe('EWEBHOOKTARGET');
    const ok = await new Promise<string>((resolve) => guard.connectLookup('public.test', {}, (_e, address) => resolve(String(address))));
    expect(ok).toBe('93.184.216.34');
  });
});

describe('Standard Webhooks signing', () => {
  it('produces signatures the standardwebhooks package verifies', () => {
    const secret = generateWebhookSecret();
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]+=*$/);
    const body = JSON.stringify({ type: 'file.uploaded', timestamp: new Date().toISOString(), data: { n: 1 } });
    const ts = Math.floor(Date.now() / 1000);
    const headers = { 'webhook-id': 'msg_1', 'webhook-timestamp': String(ts), 'webhook-signature': signWebhook(secret, 'msg_1', ts, body) };
    expect(new Webhook(secret).verify(body, headers)).toEqual(JSON.parse(body));
    expect(() => new Webhook(generateWebhookSecret()).verify(body, headers)).toThrow();
    expect(() => new Webhook(secret).verify(`${body} `, headers)).toThrow();
  });
});

describe('secret box', () => {
  it('round-trips, and a ciphertext does not open for another row or key', () => {
    const box = createSecretBox(randomBytes(32));
    const sealed = box.seal('whsec_abc', 'row-1');
    expect(sealed).not.toContain('whsec_abc');
    expect(box.open(sealed, 'row-1')).toBe('whsec_abc');
    expect(() => box.open(sealed, 'row-2')).toThrow();
    expect(() => createSecretBox(randomBytes(32)).open(sealed, 'row-1')).toThrow();
  });
});

describe('retry schedule', () => {
  it('waits a jittered share of each step and gives up after the last one', () => {
    expect(retryDelayMs(1, DEFAULT_RETRY_SCHEDULE_MS, () => 1)).toBe(5_000);
    expect(retryDelayMs(1, DEFAULT_RETRY_SCHEDULE_MS, () => 0)).toBe(500);
    expect(retryDelayMs(3, DEFAULT_RETRY_SCHEDULE_MS, () => 0.5)).toBe(60_000);
    expect(retryDelayMs(DEFAULT_RETRY_SCHEDULE_MS.length + 1, DEFAULT_RETRY_SCHEDULE_MS)).toBeNull();
    const total = DEFAULT_RETRY_SCHEDULE_MS.reduce((a, b) => a + b, 0);
    expect(total / 2 / 3_600_000).toBeGreaterThan(20);
  });
});

describe('webhook events', () => {
  it('lets users subscribe only to events about a user, admins to every webhook event', () => {
    expect(subscribableEvents('user')).toEqual(expect.arrayContaining(['file.uploaded', 'user.updated', 'auth.login_locked']));
    expect(subscribableEvents('user')).not.toContain('sync.job.failed');
    expect(subscribableEvents('platform')).toContain('sync.job.failed');
    expect(subscribableEvents('platform')).not.toContain('auth.password_reset_requested');
    expect(eventSubject('file.uploaded', { owner_id: 'u1' })).toBe('u1');
    expect(eventSubject('sync.job.failed', { job_id: 'j' })).toBeNull();
  });
});
