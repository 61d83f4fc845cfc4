import { randomBytes, randomUUID } from 'node:crypto';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { fileUploaded } from '@platform/shared/events';
import { API, startTestApp, waitFor, type TestApp } from './helpers.ts';
import { startHookReceiver, type HookReceiver } from './support/hook-receiver.ts';

// Everything the service logs at debug level while webhooks are created, delivered, fail and are
// listed is captured here: no secret (nor its key bytes) may appear in it.
const captured: string[] = [];
let t: TestApp;
let receiver: HookReceiver;
beforeAll(async () => {
  // winston's Console transport writes to console._stdout/_stderr (vitest's own streams) when they exist.
  const own = console as unknown as { _stdout?: NodeJS.WriteStream; _stderr?: NodeJS.WriteStream };
  for (const stream of new Set([process.stdout, process.stderr, own._stdout, own._stderr].filter((s) => s !== undefined))) {
    vi.spyOn(stream, 'write').mockImplementation((chunk: string | Uint8Array) => {
      captured.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
      return true;
    });
  }
  vi.stubEnv('TEST_LOG_LEVEL', 'debug');
  t = await startTestApp({ WEBHOOK_ALLOWED_HOSTS: '127.0.0.1', WEBHOOK_POLL_MS: '20', WEBHOOK_RETRY_SCHEDULE_MS: '50,50', WEBHOOK_DISABLE_AFTER_FAILURES: '2' });
  receiver = await startHookReceiver();
});
afterAll(async () => {
  await receiver?.close();
  await t?.stop();
  vi.unstubAllEnvs();
  vi.restoreAllMocks();
});

describe('webhook secrets in logs', () => {
  it('never writes a secret to the log, whatever happens to its webhook', async () => {
    const owner = { id: randomUUID(), role: 'user' as const };
    const res = await request(t.app).post(`${API}/webhooks`).set('authorization', t.bearer(owner)).send({ url: receiver.url, events: ['file.uploaded'] });
    expect(res.status).toBe(201);
    const { id, secret } = res.body.data as { id: string; secret: string };
    receiver.respondWith(500, 500, 500);
    await t.publish(fileUploaded.create({
      file_id: randomUUID(), owner_id: owner.id, name: 'x.txt', size: 1, content_type: 'text/plain', sha256: randomBytes(32).toString('hex'), large: false,
    }, { source: 'file' }));
    await waitFor(async () => (await t.rows<{ enabled: boolean }>('SELECT enabled FROM notifications.webhooks WHERE id = $1', [id]))[0]?.enabled === false, { what: 'disabled' });
    await request(t.app).get(`${API}/webhooks/${id}/deliveries`).set('authorization', t.bearer(owner));
    await request(t.app).post(`${API}/webhooks`).set('authorization', t.bearer(owner)).send({ url: 'http://10.0.0.1/', events: ['file.uploaded'], secret });

    const text = captured.join('');
    expect(text).toContain('webhook delivery failed');
    expect(text).toContain('webhook disabled after repeated failures');
    const key = Buffer.from(secret.slice('whsec_'.length), 'base64');
    for (const needle of [secret, secret.slice(6), key.toString('hex'), key.toString('base64url')]) expect(text).not.toContain(needle);
  });
});
