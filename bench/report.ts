// Writes the run's results: the full JSON, and a short Markdown summary for people and the README.
import { rename, writeFile, mkdir } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { rootDir } from './lib/deps.ts';
import { pick } from './lib/pick.ts';

const RESULTS_DIR = 'bench/results';

const show = (v: unknown, unit = ''): string => (typeof v === 'number' ? `${v.toLocaleString('en-US')}${unit}` : v === undefined || v === null ? 'n/a' : String(v));
const verdict = (met: unknown) => (met === true ? 'met' : met === false ? '**not met**' : 'n/a');

export function toMarkdown(r: Record<string, unknown>): string {
  const p = (path: string, unit = '') => show(pick(r, path), unit);
  const latency = (path: string) => `p50 ${p(`${path}.p50_ms`, ' ms')}, p99 ${p(`${path}.p99_ms`, ' ms')}`;
  const errors = Object.entries((r.errors ?? {}) as Record<string, string>);
  const lines = [
    '# Benchmark results',
    '',
    `Run ${p('started_at')} at commit ${p('git_commit')} on ${p('machine.cpus')} CPUs (${p('machine.cpu_model')}), ` +
      `${p('machine.memory_gib')} GiB, Node ${p('machine.node')}; loopback Postgres, Redis and RabbitMQ. ` +
      'Produced by `pnpm bench` (bench/run.ts); full numbers in `latest.json`.',
    '',
    '| Measurement | Result | Target |',
    '| --- | --- | --- |',
    `| argon2id (m=${p('argon2.params.memory_kib')} KiB, t=${p('argon2.params.time_cost')}, p=${p('argon2.params.parallelism')}), 1 at a time | ${p('argon2.single.hashes_per_s')} hashes/s (${p('argon2.single.p50_ms')} ms each) | |`,
    `| argon2id at the service's cap (${p('argon2.service_concurrency.concurrency')} concurrent) | ${p('argon2.service_concurrency.hashes_per_s')} hashes/s | |`,
    `| login over HTTP (${p('auth_http.login.count')} logins, ${p('auth_http.concurrency')} concurrent) | ${p('auth_http.login.per_s')}/s, ${latency('auth_http.login')} | |`,
    `| login / raw hash rate | ${p('targets.login_vs_raw_hash.ratio')} | ≥ 0.9: ${verdict(pick(r, 'targets.login_vs_raw_hash.met'))} |`,
    `| refresh over HTTP (${p('auth_http.refresh.count')} rotations, ${p('auth_http.concurrency')} concurrent) | ${p('auth_http.refresh.per_s')}/s, ${latency('auth_http.refresh')} | |`,
    `| GET /api/v1/health, idle | ${latency('auth_http.health_idle')} | |`,
    `| GET /api/v1/health during the login burst | ${latency('auth_http.health_during_logins')} (${p('auth_http.health_during_logins.count')} requests) | reported |`,
    `| access-token verify (RS256, KeyObject, one core) | ${p('jwt_verify.verifies_per_s')}/s (${p('jwt_verify.us_per_verify')} µs each) | |`,
    `| raw amqplib publish (confirm channel, ${p('amqp.raw_publish.in_flight')} in flight, persistent) | ${p('amqp.raw_publish.per_s')} msg/s | |`,
    `| outbox relay (@platform/shared/events) | ${p('amqp.outbox_relay.per_s')} events/s | |`,
    `| relay / raw publish | ${p('targets.relay_vs_raw_publish.ratio')} | ≥ 0.4: ${verdict(pick(r, 'targets.relay_vs_raw_publish.met'))} |`,
    '',
    '## Telemetry overhead (tracing on vs off)',
    '',
    '```json',
    JSON.stringify(r.telemetry_overhead ?? null, null, 2),
    '```',
  ];
  if (errors.length) lines.push('', '## Parts that failed', '', ...errors.map(([name, message]) => `- ${name}: ${message.split('\n')[0]}`));
  return `${lines.join('\n')}\n`;
}

/** Writes through a temporary file so an interrupted run never leaves half a results file. */
export async function writeResults(results: Record<string, unknown>): Promise<string[]> {
  const dir = fileURLToPath(new URL(`${RESULTS_DIR}/`, rootDir));
  await mkdir(dir, { recursive: true });
  const files: [string, string][] = [
    ['latest.json', `${JSON.stringify(results, null, 2)}\n`],
    ['latest.md', toMarkdown(results)],
  ];
  for (const [name, text] of files) {
    await writeFile(`${dir}${name}.tmp`, text);
    await rename(`${dir}${name}.tmp`, `${dir}${name}`);
  }
  return files.map(([name]) => `${RESULTS_DIR}/${name}`);
}
