// Writes the notification benchmark's results: the full JSON and a Markdown summary.
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { rootDir } from '../lib/deps.ts';

const RESULTS_DIR = 'bench/results';

export type ChannelResult = {
  delivered: number; duplicates: number; per_s: number | null; p50_ms: number | null; p99_ms: number | null; max_ms: number | null; last_after_s: number | null;
};
export type SseLevel = {
  clients: number; connected: number; connect_s: number; connect_failures: number; reached: number;
  first_ms: number | null; p50_ms: number | null; all_ms: number | null; service_rss_mib: number | null; open_streams_seen: number | null;
};
export type Target = { what: string; value: string; target: string; met: boolean | null };

export type NotificationBenchResults = {
  started_at: string;
  finished_at: string;
  git_commit: string | null;
  machine: Record<string, unknown>;
  settings: { events: number; sse_levels: number[]; publish: string };
  setup: Record<string, unknown>;
  delivery: {
    events: number; publish_s: number | null; mail: ChannelResult; webhook: ChannelResult;
    /** The same events as a steady trickle: latency without queueing (throughput fields do not apply). */
    paced?: { events: number; per_s: number; mail: ChannelResult; webhook: ChannelResult };
    /** The same number of events that only webhooks receive (sync.job.started): the webhook path without mail beside it. */
    webhook_only?: ChannelResult;
  } | { error: string };
  sse: { levels: SseLevel[] } | { error: string };
  targets: Target[];
  errors: Record<string, string>;
};

const n = (v: unknown, unit = '') => (typeof v === 'number' && Number.isFinite(v) ? `${v.toLocaleString('en-US')}${unit}` : 'n/a');
const verdict = (met: boolean | null) => (met === true ? 'met' : met === false ? '**not met**' : 'n/a');

export function toMarkdown(r: NotificationBenchResults): string {
  const lines = [
    '# Notification service benchmark',
    '',
    `Run ${r.started_at} at commit ${r.git_commit ?? 'n/a'} on ${n(r.machine.cpus)} CPUs (${String(r.machine.cpu_model)}), Node ${String(r.machine.node)}, ` +
      `load average ${n(r.machine.load_avg_1m_at_start)} at start. One notification service process (its start command, ${String(r.setup.service_env)}); ` +
      `RabbitMQ ${String(r.setup.amqp)}; an smtp-server SMTP server and a node:http webhook receiver in the benchmark process, on loopback. ` +
      'Produced by bench/notification/run-notification-bench.ts (part of `pnpm bench`); all numbers in `notification-latest.json`.',
    '',
    `## ${n(r.settings.events)} events published → mail and webhook`,
    '',
    `Each event is an \`auth.login_locked\` for a different user and address (${r.settings.publish}): the service sends one security-alert mail ` +
      '(and writes an in-app notification), and an admin\'s platform-wide webhook subscribed to the type gets one signed delivery. ' +
      'Latency is from the publish of an event to the SMTP server accepting its mail / the receiver getting its webhook.',
    '',
  ];
  if ('error' in r.delivery) lines.push(`Not measured: ${r.delivery.error}`, '');
  else {
    lines.push('| Channel | delivered | duplicates | throughput | p50 | p99 | max | last one after |', '| --- | --- | --- | --- | --- | --- | --- | --- |');
    for (const [name, c] of [['mail (SMTP accepted)', r.delivery.mail], ['webhook (receiver got it)', r.delivery.webhook]] as const) {
      lines.push(`| ${name} | ${n(c.delivered)} / ${n(r.delivery.events)} | ${n(c.duplicates)} | ${n(c.per_s, '/s')} | ${n(c.p50_ms, ' ms')} | ${n(c.p99_ms, ' ms')} | ${n(c.max_ms, ' ms')} | ${n(c.last_after_s, ' s')} |`);
    }
    const w = r.delivery.webhook_only;
    if (w) {
      lines.push(`| webhook only (${n(r.delivery.events)} \`sync.job.started\`, no mail) | ${n(w.delivered)} / ${n(r.delivery.events)} | ${n(w.duplicates)} | ${n(w.per_s, '/s')} | ${n(w.p50_ms, ' ms')} | ${n(w.p99_ms, ' ms')} | ${n(w.max_ms, ' ms')} | ${n(w.last_after_s, ' s')} |`);
    }
    lines.push('', `Publishing the ${n(r.delivery.events)} events (publisher confirms) took ${n(r.delivery.publish_s, ' s')}.`, '');
    const p = r.delivery.paced;
    if (p) {
      lines.push(`Unsaturated, ${n(p.events)} more events published at ${n(p.per_s)}/s (latency of the pipeline without a queue in front of it):`, '',
        '| Channel | delivered | p50 | p99 | max |', '| --- | --- | --- | --- | --- |',
        `| mail | ${n(p.mail.delivered)} / ${n(p.events)} | ${n(p.mail.p50_ms, ' ms')} | ${n(p.mail.p99_ms, ' ms')} | ${n(p.mail.max_ms, ' ms')} |`,
        `| webhook | ${n(p.webhook.delivered)} / ${n(p.events)} | ${n(p.webhook.p50_ms, ' ms')} | ${n(p.webhook.p99_ms, ' ms')} | ${n(p.webhook.max_ms, ' ms')} |`, '');
    }
  }
  lines.push('## SSE clients on one process', '',
    'Clients of one user open `GET /notifications/stream` (each its own socket) in steps; at each step one notification is published ' +
    '(an event the service turns into an in-app notification, pushed over Redis pub/sub to the process\'s one subscriber and written to every stream). ' +
    '"first" and "all" are from the publish to the first and to the last client receiving it.', '');
  if ('error' in r.sse) lines.push(`Not measured: ${r.sse.error}`, '');
  else {
    lines.push('| clients | connected (s to connect) | reached | first | p50 | all | service RSS |', '| --- | --- | --- | --- | --- | --- | --- |');
    for (const l of r.sse.levels) {
      lines.push(`| ${n(l.clients)} | ${n(l.connected)} (${n(l.connect_s, ' s')}${l.connect_failures ? `, ${l.connect_failures} failed` : ''}) | ${n(l.reached)} | ${n(l.first_ms, ' ms')} | ${n(l.p50_ms, ' ms')} | ${n(l.all_ms, ' ms')} | ${n(l.service_rss_mib, ' MiB')} |`);
    }
    lines.push('');
  }
  lines.push('| Target | measured | target | verdict |', '| --- | --- | --- | --- |');
  for (const t of r.targets) lines.push(`| ${t.what} | ${t.value} | ${t.target} | ${verdict(t.met)} |`);
  const errors = Object.entries(r.errors);
  if (errors.length) lines.push('', '## Errors', '', ...errors.map(([k, v]) => `- ${k}: ${v.split('\n')[0]}`));
  return `${lines.join('\n')}\n`;
}

export async function writeNotificationResults(results: NotificationBenchResults): Promise<string[]> {
  const dir = fileURLToPath(new URL(`${RESULTS_DIR}/`, rootDir));
  await mkdir(dir, { recursive: true });
  const files: [string, string][] = [
    ['notification-latest.json', `${JSON.stringify(results, null, 2)}\n`],
    ['notification-latest.md', toMarkdown(results)],
  ];
  for (const [name, text] of files) {
    await writeFile(`${dir}${name}.tmp`, text);
    await rename(`${dir}${name}.tmp`, `${dir}${name}`);
  }
  return files.map(([name]) => `${RESULTS_DIR}/${name}`);
}
