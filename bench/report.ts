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
      `${p('machine.memory_gib')} GiB, Node ${p('machine.node')}, load average ${p('machine.load_avg_1m_at_start')} at start; loopback Postgres, Redis and RabbitMQ. ` +
      'Produced by `pnpm bench` (bench/run.ts); full numbers in `latest.json`.',
    '',
    '| Measurement | Result | Target |',
    '| --- | --- | --- |',
    `| argon2id (m=${p('argon2.params.memory_kib')} KiB, t=${p('argon2.params.time_cost')}, p=${p('argon2.params.parallelism')}), 1 at a time | ${p('argon2.single.hashes_per_s')} hashes/s (${p('argon2.single.p50_ms')} ms each) | |`,
    `| argon2id at the service's cap (${p('argon2.service_concurrency.concurrency')} concurrent) | ${p('argon2.service_concurrency.hashes_per_s')} hashes/s | |`,
    `| login over HTTP (${p('auth_http.login.count')} logins, ${p('auth_http.concurrency')} concurrent) | ${p('auth_http.login.per_s')}/s, ${latency('auth_http.login')} | |`,
    `| login / raw hash rate | ${p('targets.login_vs_raw_hash.ratio')} | ≥ 0.9: ${verdict(pick(r, 'targets.login_vs_raw_hash.met'))} |`,
    `| CPU per login: auth process (its event loop thread) / load generator | ${p('auth_http.cpu_per_login.service_total_ms', ' ms')} (${p('auth_http.cpu_per_login.service_main_thread_ms', ' ms')}) / ${p('auth_http.cpu_per_login.load_generator_ms', ' ms')}; raw hash ${p('argon2.service_concurrency.cpu_ms_per_hash', ' ms')} | |`,
    `| hash share of the auth process's CPU per login | ${p('targets.hash_share_of_service_cpu_per_login')} | |`,
    `| refresh over HTTP (${p('auth_http.refresh.count')} rotations, ${p('auth_http.concurrency')} concurrent) | ${p('auth_http.refresh.per_s')}/s, ${latency('auth_http.refresh')} | |`,
    `| GET /api/v1/health, idle | ${latency('auth_http.health_idle')} | |`,
    `| GET /api/v1/health during the login burst | ${latency('auth_http.health_during_logins')} (${p('auth_http.health_during_logins.count')} requests) | reported |`,
    `| access-token verify, shared verifier (RS256, KeyObject, one core) | ${p('jwt_verify.shared_verifier.verifies_per_s')}/s (${p('jwt_verify.shared_verifier.us_per_verify')} µs each) | |`,
    `| access-token verify, bare jsonwebtoken (same key, one core) | ${p('jwt_verify.bare_jsonwebtoken.verifies_per_s')}/s (${p('jwt_verify.bare_jsonwebtoken.us_per_verify')} µs each) | |`,
    `| raw amqplib publish (confirm channel, ${p('amqp.raw_publish.in_flight')} in flight, persistent) | ${p('amqp.raw_publish.per_s')} msg/s | |`,
    `| outbox relay (@platform/shared/events) | ${p('amqp.outbox_relay.per_s')} events/s | |`,
    `| relay / raw publish | ${p('targets.relay_vs_raw_publish.ratio')} | ≥ 0.4: ${verdict(pick(r, 'targets.relay_vs_raw_publish.met'))} |`,
    '',
    `Reading the table: the raw hash rate uses the ${p('machine.cpus')} CPUs for argon2 alone; during the login burst the same ` +
      "CPUs also run the service's event loop (routing, Postgres and Redis calls, RS256 signing, tracing), Postgres, Redis and " +
      'the load generator, so login / raw hash rate is bounded by the share of all CPU per login that the hash takes. ' +
      "\"hash share\" is that question inside the auth process, in CPU time, which drift on a shared machine hardly moves. " +
      'Health probes run one at a time every 10 ms; their p99 under load is the event loop\'s responsiveness.',
    '',
    '## Telemetry overhead (tracing on vs off)',
    '',
    ...telemetryLines(r.telemetry_overhead),
  ];
  lines.push('', '## Gateway and services', '', 'The gateway and each service write their own summaries beside this file: `gateway-latest.md`, `user-latest.md`, `file-latest.md`, `sync-latest.md`, `notification-latest.md`.');
  if (errors.length) lines.push('', '## Parts that failed', '', ...errors.map(([name, message]) => `- ${name}: ${message.split('\n')[0]}`));
  return `${lines.join('\n')}\n`;
}

/** A table of bench/telemetry-overhead.ts's modes when its result has them; its JSON otherwise. */
function telemetryLines(t: unknown): string[] {
  const modes = pick(t, 'modes');
  if (!modes || typeof modes !== 'object') return ['```json', JSON.stringify(t ?? null, null, 2), '```'];
  const q = (path: string, unit = '') => show(pick(t, path), unit);
  return [
    `${q('app')}; ${q('requests_per_run')} requests × ${q('rounds')} rounds per mode, ${q('concurrency')} concurrent. ${q('note')}.`,
    '',
    '| Mode | req/s | p50 | p99 | server CPU per request | added CPU vs off |',
    '| --- | --- | --- | --- | --- | --- |',
    ...Object.keys(modes).map((m) =>
      `| ${m} | ${q(`modes.${m}.req_per_s`)} | ${q(`modes.${m}.p50_ms`, ' ms')} | ${q(`modes.${m}.p99_ms`, ' ms')} | ` +
      `${q(`modes.${m}.cpu_us_per_req`, ' µs')} | ${m === 'off' ? '' : q(`vs_off.${m}.added_cpu_us_per_req`, ' µs')} |`),
  ];
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
