import { describe, expect, it } from 'vitest';
import { createLogger } from '@platform/shared/logger';
import type { Webhook } from '../src/domain/webhook.ts';
import { generateWebhookSecret } from '../src/domain/webhook-signature.ts';
import { attemptDelivery, type AttemptDeps } from '../src/usecases/webhooks/attempt-delivery.ts';
import type { AttemptOutcome, ClaimedDelivery, SignedRequest } from '../src/usecases/webhooks/ports.ts';

const secret = generateWebhookSecret();
const NOW = new Date('2026-01-01T00:00:00Z');

function setup(answers: { ok: boolean; statusCode: number | null; error: string | null }[], { disableAfter = 3, failuresSoFar = 0 } = {}) {
  const sent: SignedRequest[] = [];
  const marks: { kind: string; id: string; outcome?: AttemptOutcome; next?: Date | null }[] = [];
  const notified: Webhook[] = [];
  let failures = failuresSoFar;
  const webhook: Webhook = {
    id: 'w1', ownerId: 'u1', scope: 'user', url: 'https://example.com/hook', events: ['file.uploaded'], enabled: true,
    disabledReason: null, consecutiveFailures: 0, createdAt: NOW, updatedAt: NOW,
  };
  const deps = {
    db: {} as AttemptDeps['db'],
    secrets: { seal: (s: string) => s, open: (s: string) => s },
    sender: { send: async (req: SignedRequest) => { sent.push(req); return answers.shift()!; } },
    deliveries: {
      markSucceeded: async (_db: unknown, id: string, outcome: AttemptOutcome) => { marks.push({ kind: 'succeeded', id, outcome }); },
      markFailed: async (_db: unknown, id: string, outcome: AttemptOutcome, next: Date | null) => { marks.push({ kind: 'failed', id, outcome, next }); },
    },
    webhooks: {
      recordSuccess: async () => { failures = 0; },
      recordFailure: async (_db: unknown, _id: string, after: number, reason: string) => {
        failures++;
        return failures === after ? { ...webhook, enabled: false, consecutiveFailures: failures, disabledReason: reason } : null;
      },
    },
    notifier: { webhookDisabled: async (w: Webhook) => { notified.push(w); } },
    settings: { timeoutMs: 1000, retryScheduleMs: [1000, 60_000], disableAfterFailures: disableAfter },
    now: () => NOW,
    logger: createLogger({ service: 'test', level: 'error', silent: true }),
  } as unknown as AttemptDeps;
  const claimed = (attempts: number): ClaimedDelivery => ({
    id: 'd1', webhookId: 'w1', ownerId: 'u1', url: webhook.url, secretEncrypted: secret, eventType: 'file.uploaded',
    payload: { type: 'file.uploaded', data: { a: 1 } }, attempts, traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
  });
  return { deps, sent, marks, notified, claimed };
}

describe('attemptDelivery', () => {
  it('signs with a fresh timestamp and marks success', async () => {
    const s = setup([{ ok: true, statusCode: 204, error: null }]);
    expect(await attemptDelivery(s.deps, s.claimed(1))).toBe('succeeded');
    expect(s.sent[0]!.headers).toMatchObject({
      'webhook-id': 'd1', 'webhook-timestamp': String(NOW.getTime() / 1000), 'content-type': 'application/json',
      traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
    });
    expect(s.sent[0]!.headers['webhook-signature']).toMatch(/^v1,[A-Za-z0-9+/]+=*$/);
    expect(s.sent[0]!.body).toBe('{"type":"file.uploaded","data":{"a":1}}');
    expect(s.marks).toEqual([{ kind: 'succeeded', id: 'd1', outcome: { statusCode: 204, error: null } }]);
  });

  it('schedules a retry within the step, then gives up (dead) when the schedule is used up', async () => {
    const s = setup([{ ok: false, statusCode: 500, error: 'HTTP 500' }, { ok: false, statusCode: null, error: 'timed out' }, { ok: false, statusCode: 503, error: 'HTTP 503' }], { disableAfter: 99 });
    expect(await attemptDelivery(s.deps, s.claimed(1))).toBe('retry');
    const wait = s.marks[0]!.next!.getTime() - NOW.getTime();
    expect(wait).toBeGreaterThanOrEqual(100);
    expect(wait).toBeLessThanOrEqual(1000);
    expect(await attemptDelivery(s.deps, s.claimed(2))).toBe('retry');
    expect(s.marks[1]!.next!.getTime() - NOW.getTime()).toBeLessThanOrEqual(60_000);
    expect(await attemptDelivery(s.deps, s.claimed(3))).toBe('dead');
    expect(s.marks[2]).toEqual({ kind: 'failed', id: 'd1', outcome: { statusCode: 503, error: 'HTTP 503' }, next: null });
    expect(s.notified).toEqual([]);
  });

  it('tells the owner once when a failure disables the webhook', async () => {
    const s = setup([{ ok: false, statusCode: 500, error: 'HTTP 500' }, { ok: false, statusCode: 500, error: 'HTTP 500' }], { disableAfter: 2, failuresSoFar: 0 });
    await attemptDelivery(s.deps, s.claimed(1));
    expect(s.notified).toEqual([]);
    await attemptDelivery(s.deps, s.claimed(2));
    expect(s.notified).toHaveLength(1);
    expect(s.notified[0]).toMatchObject({ id: 'w1', enabled: false, consecutiveFailures: 2 });
  });
});
