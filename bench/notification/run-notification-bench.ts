// The notification service benchmark (issue 7, `pnpm bench`): one notification service process
// (its start command) over a database, a RabbitMQ vhost, a fake auth (JWKS + service tokens) and
// a fake user directory of the run's own, with a real SMTP server (smtp-server) and a webhook
// receiver in this process.
// 1. Delivery: 1 000 auth.login_locked events published at once → one mail each and one signed
//    webhook each to an admin's platform webhook; throughput and p50/p99 publish-to-delivery.
// 2. SSE fan-out: one user's clients connected in steps (1k, 2k, 5k, 10k by default); at each step
//    one notification is pushed, and the time until every client has it is measured.
// Writes bench/results/notification-latest.{json,md}. Run alone: `node bench/notification/run-notification-bench.ts`
// (BENCH_NOTIFICATION_EVENTS, BENCH_NOTIFICATION_SSE_LEVELS=1000,2000 override the sizes).
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { availableParallelism, cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { authLoginLocked, syncJobStarted } from '@platform/shared/events';
import { startMailCatcher, type CaughtMail } from '../../e2e/support/mail-catcher.ts';
import { startWebhookReceiver, type ReceivedHook } from '../../e2e/support/webhook-receiver.ts';
import { createBenchDatabase } from '../lib/bench-database.ts';
import { onInterrupt, runInterruptCleanups } from '../lib/cleanup.ts';
import { infra, loadAmqplib } from '../lib/deps.ts';
import { progress } from '../lib/log.ts';
import { percentile, round } from '../lib/stats.ts';
import { ISSUER, startFakeAuth } from '../user/fake-auth.ts';
import { benchVhost } from '../lib/amqp-vhost.ts';
import { rssMiB, startNotificationProcess } from './notification-process.ts';
import {
  writeNotificationResults, type ChannelResult, type NotificationBenchResults, type SseLevel, type Target,
} from './notification-report.ts';
import { createSseClients } from './sse-clients.ts';
import { gitCommit } from '../lib/run-info.ts';

const EVENTS = Number(process.env.BENCH_NOTIFICATION_EVENTS ?? 1_000);
const SSE_LEVELS = (process.env.BENCH_NOTIFICATION_SSE_LEVELS ?? '1000,2000,5000,10000').split(',').map(Number);
const DELIVERY_TIMEOUT_MS = 180_000;
const FANOUT_TIMEOUT_MS = 60_000;
const CONNECT_CONCURRENCY = 100;
const PACED_EVENTS = Number(process.env.BENCH_NOTIFICATION_PACED_EVENTS ?? 200);
const PACED_PER_S = 10;

const message = (err: unknown) => (err instanceof Error ? err.message : String(err));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));


/** A user directory that knows nobody: the service mails the address in the event (locale: default). */
async function startFakeDirectory() {
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      let ids: string[] = [];
      try { ids = (JSON.parse(Buffer.concat(chunks).toString()) as { ids?: string[] }).ids ?? []; } catch { /* empty */ }
      res.writeHead(200, { 'content-type': 'application/json' })
        .end(JSON.stringify({ success: true, status_code: 200, data: { users: [], missing: ids }, meta: {} }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}

function channelResult(latencies: number[], duplicates: number, firstPublishAt: number, lastAt: number): ChannelResult {
  const sorted = [...latencies].sort((a, b) => a - b);
  const spanS = (lastAt - firstPublishAt) / 1000;
  return {
    delivered: sorted.length,
    duplicates,
    per_s: sorted.length && spanS > 0 ? round(sorted.length / spanS, 1) : null,
    p50_ms: sorted.length ? round(percentile(sorted, 50), 1) : null,
    p99_ms: sorted.length ? round(percentile(sorted, 99), 1) : null,
    max_ms: sorted.length ? round(sorted.at(-1)!, 1) : null,
    last_after_s: sorted.length ? round(spanS, 2) : null,
  };
}

export async function runNotificationBench(): Promise<NotificationBenchResults> {
  const startedAt = new Date();
  const errors: Record<string, string> = {};
  const machine: Record<string, unknown> = {
    cpus: availableParallelism(), cpu_model: cpus()[0]?.model ?? 'unknown', node: process.version,
    total_mem_gib: round(totalmem() / 2 ** 30, 1), load_avg_1m_at_start: round(loadavg()[0] ?? 0, 2),
  };
  const runDir = mkdtempSync(join(tmpdir(), 'notification-bench-'));
  const removeRunDir = onInterrupt(async () => rmSync(runDir, { recursive: true, force: true }));
  progress(`notification: ${EVENTS} events, SSE steps ${SSE_LEVELS.join(', ')}; logs in ${runDir}`);

  // Deliveries are matched to their event as they arrive.
  const publishedAt = new Map<string, number>();
  const emailToEvent = new Map<string, string>();
  const mailLatency = new Map<string, number>();
  const hookLatency = new Map<string, number>();
  let mailDuplicates = 0;
  let hookDuplicates = 0;
  let lastMailAt = 0;
  let lastHookAt = 0;
  const onMail = (m: CaughtMail) => {
    const id = emailToEvent.get(m.to[0] ?? '');
    const t0 = id ? publishedAt.get(id) : undefined;
    if (!id || t0 === undefined) return;
    if (mailLatency.has(id)) { mailDuplicates++; return; }
    mailLatency.set(id, m.receivedAt - t0);
    lastMailAt = m.receivedAt;
  };
  const onHook = (h: ReceivedHook) => {
    let id: string | undefined;
    try { id = (JSON.parse(h.body) as { event_id?: string }).event_id; } catch { return; }
    const t0 = id ? publishedAt.get(id) : undefined;
    if (!id || t0 === undefined) return;
    if (hookLatency.has(id)) { hookDuplicates++; return; }
    hookLatency.set(id, h.receivedAt - t0);
    lastHookAt = h.receivedAt;
  };

  const db = await createBenchDatabase(infra.databaseUrl, 'notification');
  const vhost = await benchVhost(infra.amqpUrl, 'notification');
  const auth = await startFakeAuth();
  const directory = await startFakeDirectory();
  const mail = await startMailCatcher({ parse: false, onMail });
  const hooks = await startWebhookReceiver('/hook', { onHook });
  let service: Awaited<ReturnType<typeof startNotificationProcess>> | undefined;
  let delivery: NotificationBenchResults['delivery'] = { error: 'not run' };
  let sse: NotificationBenchResults['sse'] = { error: 'not run' };
  const amqp = await loadAmqplib().connect(vhost.url);
  try {
    service = await startNotificationProcess({
      databaseUrl: db.url, amqpUrl: vhost.url, exchange: vhost.exchange, queuePrefix: vhost.queuePrefix,
      authUrl: auth.url, jwksUrl: auth.jwksUrl, issuer: ISSUER, userServiceUrl: directory.url, smtpUrl: mail.url, runDir,
    });
    const api = `${service.url}/api/v1`;
    const adminToken = auth.mint({ sub: randomUUID(), role: 'admin' });
    const created = await fetch(`${api}/webhooks`, {
      method: 'POST',
      headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ url: hooks.url, events: ['auth.login_locked', 'sync.job.started'], scope: 'platform' }),
    });
    if (created.status !== 201) throw new Error(`POST /webhooks answered ${created.status}: ${await created.text()}`);
    const channel = await amqp.createConfirmChannel();
    const publish = (envelope: { id: string; type: string }) => new Promise<void>((resolve, reject) => {
      channel.publish(vhost.exchange, envelope.type, Buffer.from(JSON.stringify(envelope)),
        { persistent: true, messageId: envelope.id, contentType: 'application/json' }, (err) => (err ? reject(err) : resolve()));
    });
    const lockedEvent = (userId: string, address: string) => authLoginLocked.create(
      { email: address, ip: '203.0.113.7', user_id: userId, failures: 5, locked_until: new Date(Date.now() + 900_000).toISOString() },
      { source: 'auth', subject: userId },
    );

    // 1. Delivery.
    try {
      const tag = randomUUID().slice(0, 8);
      const events = Array.from({ length: EVENTS }, (_, i) => {
        const address = `bench-${tag}-${i}@example.com`;
        const event = lockedEvent(randomUUID(), address);
        emailToEvent.set(address, event.id);
        return event;
      });
      progress(`notification: publishing ${EVENTS} events`);
      const firstPublishAt = performance.now();
      await Promise.all(events.map((e) => {
        publishedAt.set(e.id, performance.now());
        return publish(e);
      }));
      const publishS = round((performance.now() - firstPublishAt) / 1000, 3);
      const deadline = Date.now() + DELIVERY_TIMEOUT_MS;
      while ((mailLatency.size < EVENTS || hookLatency.size < EVENTS) && Date.now() < deadline) await sleep(100);
      await sleep(1_000); // late duplicates, if any
      delivery = {
        events: EVENTS,
        publish_s: publishS,
        mail: channelResult([...mailLatency.values()], mailDuplicates, firstPublishAt, lastMailAt),
        webhook: channelResult([...hookLatency.values()], hookDuplicates, firstPublishAt, lastHookAt),
      };
      progress(`notification: mail ${JSON.stringify(delivery.mail)}`);
      progress(`notification: webhook ${JSON.stringify(delivery.webhook)}`);

      // The same path unsaturated: a steady trickle, so latency is the pipeline's, not the queue's.
      const paced = Array.from({ length: PACED_EVENTS }, (_, i) => {
        const address = `paced-${tag}-${i}@example.com`;
        const event = lockedEvent(randomUUID(), address);
        emailToEvent.set(address, event.id);
        return event;
      });
      progress(`notification: ${PACED_EVENTS} events at ${PACED_PER_S}/s`);
      const pacedStart = performance.now();
      for (const [i, e] of paced.entries()) {
        const due = pacedStart + (i * 1000) / PACED_PER_S;
        if (due > performance.now()) await sleep(due - performance.now());
        publishedAt.set(e.id, performance.now());
        await publish(e);
      }
      const pacedIds = paced.map((e) => e.id);
      const pacedDeadline = Date.now() + 60_000;
      while (pacedIds.some((id) => !mailLatency.has(id) || !hookLatency.has(id)) && Date.now() < pacedDeadline) await sleep(100);
      const of = (m: Map<string, number>) => pacedIds.flatMap((id) => (m.has(id) ? [m.get(id)!] : []));
      delivery.paced = {
        events: PACED_EVENTS,
        per_s: PACED_PER_S,
        mail: channelResult(of(mailLatency), 0, pacedStart, pacedStart),
        webhook: channelResult(of(hookLatency), 0, pacedStart, pacedStart),
      };
      progress(`notification: paced ${JSON.stringify(delivery.paced)}`);
    } catch (err) {
      errors.delivery = message(err);
      delivery = { error: message(err) };
    }

    // 1b. Webhooks alone: events no mail consumer handles (sync.job.started), all at once.
    try {
      const jobs = Array.from({ length: EVENTS }, () => syncJobStarted.create({ job_id: randomUUID(), connection_id: randomUUID() }, { source: 'sync' }));
      const before = hookLatency.size;
      const duplicatesBefore = hookDuplicates;
      const start = performance.now();
      await Promise.all(jobs.map((e) => {
        publishedAt.set(e.id, performance.now());
        return publish(e);
      }));
      const ids = jobs.map((e) => e.id);
      const deadline = Date.now() + DELIVERY_TIMEOUT_MS;
      while (hookLatency.size < before + EVENTS && Date.now() < deadline) await sleep(100);
      await sleep(500);
      if (!('error' in delivery)) {
        delivery.webhook_only = channelResult(ids.flatMap((id) => (hookLatency.has(id) ? [hookLatency.get(id)!] : [])), hookDuplicates - duplicatesBefore, start, lastHookAt);
        progress(`notification: webhook only ${JSON.stringify(delivery.webhook_only)}`);
      }
    } catch (err) {
      errors.webhook_only = message(err);
    }

    // 2. SSE fan-out: one user, many clients.
    const sseUser = randomUUID();
    const clients = createSseClients(`${api}/notifications/stream`, auth.mint({ sub: sseUser, role: 'user' }));
    try {
      const levels: SseLevel[] = [];
      for (const level of SSE_LEVELS) {
        const more = level - clients.clients.length;
        const connect = more > 0 ? await clients.add(more, CONNECT_CONCURRENCY) : { seconds: 0, failures: 0 };
        if (connect.firstError) errors[`sse_connect_${level}`] = connect.firstError;
        await sleep(1_000);
        const open = clients.clients.filter((c) => c.open);
        const before = new Map(open.map((c) => [c, c.received]));
        const t0 = performance.now();
        await publish(lockedEvent(sseUser, `sse-${sseUser}@example.com`));
        const deadline = Date.now() + FANOUT_TIMEOUT_MS;
        while (open.some((c) => c.received <= before.get(c)!) && Date.now() < deadline) await sleep(5);
        const reached = open.filter((c) => c.received > before.get(c)!);
        const latencies = reached.map((c) => c.lastAt - t0).sort((a, b) => a - b);
        const result: SseLevel = {
          clients: level,
          connected: open.length,
          connect_s: round(connect.seconds, 2),
          connect_failures: connect.failures,
          reached: reached.length,
          first_ms: latencies.length ? round(latencies[0]!, 1) : null,
          p50_ms: latencies.length ? round(percentile(latencies, 50), 1) : null,
          all_ms: reached.length === open.length && latencies.length ? round(latencies.at(-1)!, 1) : null,
          service_rss_mib: await rssMiB(service.child.pid),
          open_streams_seen: null,
        };
        levels.push(result);
        progress(`notification: SSE ${JSON.stringify(result)}`);
        if (open.length < level * 0.99) break;
      }
      sse = { levels };
    } catch (err) {
      errors.sse = message(err);
      sse = { error: message(err) };
    } finally {
      clients.closeAll();
    }
  } catch (err) {
    errors.setup = message(err);
  } finally {
    await service?.child.stop();
    await amqp.close().catch(() => {});
    await Promise.allSettled([vhost.drop(), db.drop(), auth.stop(), directory.close(), mail.close(), hooks.close()]);
    rmSync(runDir, { recursive: true, force: true });
    removeRunDir();
  }

  const targets: Target[] = [];
  if (!('error' in delivery)) {
    const d = delivery;
    targets.push({
      what: `every one of ${EVENTS} events mailed once and delivered to the webhook once`,
      value: `${d.mail.delivered} mails (${d.mail.duplicates} twice), ${d.webhook.delivered} webhooks (${d.webhook.duplicates} twice)`,
      target: `${EVENTS} and ${EVENTS}, no duplicates`,
      met: d.mail.delivered === EVENTS && d.webhook.delivered === EVENTS && d.mail.duplicates === 0 && d.webhook.duplicates === 0,
    });
    targets.push({ what: 'webhook p99 publish-to-delivery, 1 000-event burst', value: `${d.webhook.p99_ms} ms`, target: '≤ 10 000 ms', met: d.webhook.p99_ms !== null && d.webhook.p99_ms <= 10_000 });
    targets.push({ what: 'mail p99 publish-to-accepted, 1 000-event burst', value: `${d.mail.p99_ms} ms`, target: '≤ 10 000 ms', met: d.mail.p99_ms !== null && d.mail.p99_ms <= 10_000 });
    if (d.webhook_only) {
      targets.push({ what: `webhook only (${EVENTS} sync.job.started, no mail): p99 publish-to-delivery`, value: `${d.webhook_only.p99_ms} ms (${d.webhook_only.per_s}/s)`, target: '≤ 10 000 ms', met: d.webhook_only.delivered === EVENTS && d.webhook_only.p99_ms !== null && d.webhook_only.p99_ms <= 10_000 });
    }
    if (d.paced) {
      const p = d.paced;
      targets.push({ what: `webhook p99 publish-to-delivery at ${p.per_s} events/s`, value: `${p.webhook.p99_ms} ms`, target: '≤ 1 000 ms', met: p.webhook.delivered === p.events && p.webhook.p99_ms !== null && p.webhook.p99_ms <= 1_000 });
      targets.push({ what: `mail p99 publish-to-accepted at ${p.per_s} events/s`, value: `${p.mail.p99_ms} ms`, target: '≤ 1 000 ms', met: p.mail.delivered === p.events && p.mail.p99_ms !== null && p.mail.p99_ms <= 1_000 });
    }
  }
  if (!('error' in sse)) {
    const top = sse.levels.at(-1);
    const wanted = SSE_LEVELS.at(-1)!;
    targets.push({
      what: `SSE clients on one process all reached by one notification (largest step ${wanted})`,
      value: top ? `${top.reached} of ${top.clients} in ${top.all_ms ?? 'n/a'} ms` : 'n/a',
      target: `${wanted} clients within 2 000 ms`,
      met: top ? top.clients === wanted && top.reached === wanted && top.all_ms !== null && top.all_ms <= 2_000 : false,
    });
  }

  const results: NotificationBenchResults = {
    started_at: startedAt.toISOString(),
    finished_at: new Date().toISOString(),
    git_commit: gitCommit(),
    machine,
    settings: { events: EVENTS, sse_levels: SSE_LEVELS, publish: 'all published at once, publisher confirms, one event per user and address' },
    setup: {
      service_env: 'NODE_ENV=production, LOG_LEVEL=warn, OTEL_SDK_DISABLED=true, default webhook dispatcher settings (poll 250 ms, 16 in flight)',
      amqp: vhost.isolation,
    },
    delivery,
    sse,
    targets,
    errors,
  };
  const files = await writeNotificationResults(results);
  progress(`notification: wrote ${files.join(', ')}`);
  return results;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => { void runInterruptCleanups().finally(() => process.exit(130)); });
  }
  runNotificationBench().then(() => process.exit(0), (err: unknown) => {
    console.error(err);
    process.exit(1);
  });
}
