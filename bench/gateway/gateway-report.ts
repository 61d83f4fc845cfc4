// The gateway benchmark's results: bench/results/gateway-latest.json (everything) and
// gateway-latest.md (the table for people and the README), each written through a temp file.
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { rootDir } from '../lib/deps.ts';
import type { SoakResult } from './memory-soak.ts';
import type { LoadResult } from './load.ts';
import type { ProfiledId, Profiles } from './profile-run.ts';

const RESULTS_DIR = 'bench/results';

export type ScenarioId = 'direct' | 'node_proxy' | 'nginx' | 'gateway_a' | 'gateway_b' | 'gateway_c' | 'gateway_d';

export type ScenarioSummary = {
  label: string;
  /** From the round with the most requests/s (p50/p99 from that round too). */
  per_s: number;
  p50_ms: number;
  p99_ms: number;
  /** The least CPU per request over the rounds: the figure other work on the machine disturbs least. */
  cpu_us_per_request: number | null;
  upstream_cpu_us_per_request: number | null;
  /** Share of the machine other processes used during the chosen round. */
  other_cpu_share: number;
  non_2xx: number;
  errors: number;
  rounds: LoadResult[];
};

export type Target = { ratio: number | null; by_cpu: number | null; target: number; met: boolean | null; what: string };

export type GatewayBenchResults = {
  started_at: string;
  finished_at: string;
  git_commit: string | null;
  uncommitted_gateway_changes: string[] | null;
  machine: Record<string, unknown>;
  settings: Record<string, unknown>;
  tools: Record<string, unknown>;
  scenarios: Partial<Record<ScenarioId, ScenarioSummary | { error: string } | { skipped: string }>>;
  targets: Record<string, Target>;
  tracing: Record<string, unknown>;
  memory_soak: SoakResult | { error: string } | null;
  profile: Profiles | { error: string } | { skipped: string } | null;
  errors: Record<string, string>;
};

const ORDER: ScenarioId[] = ['direct', 'node_proxy', 'nginx', 'gateway_a', 'gateway_b', 'gateway_c', 'gateway_d'];

const fmt = (n: number | null | undefined, digits = 0) => (typeof n === 'number' && Number.isFinite(n) ? n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits }) : 'n/a');
const verdict = (met: boolean | null) => (met === true ? 'met' : met === false ? '**not met**' : 'n/a');

export function gatewayMarkdown(r: GatewayBenchResults): string {
  const s = r.settings;
  const lines = [
    '# Gateway benchmark',
    '',
    `Run ${r.started_at} at commit ${r.git_commit ?? 'n/a'} on ${String(r.machine.cpus)} CPUs (${String(r.machine.cpu_model)}), Node ${String(r.machine.node)}, ` +
      `load average ${String(r.machine.load_avg_1m_at_start)} at start and ${String(r.machine.load_avg_1m_at_end)} at the end. ` +
      `autocannon ${String(r.tools.autocannon)} on loopback, ${String(s.connections)} keep-alive connections, ${String(s.duration_s)} s per scenario after a ${String(s.warmup_s)} s warm-up, ` +
      `${String(s.rounds)} round(s) with the scenarios interleaved${s.quick ? ' (quick mode)' : ''}. Produced by bench/gateway/run-gateway-bench.ts (part of \`pnpm bench\`); all numbers in \`gateway-latest.json\`.`,
    '',
    ...(r.uncommitted_gateway_changes?.length ? [`Measured with uncommitted changes in: ${r.uncommitted_gateway_changes.join(', ')}.`, ''] : []),
    '| Scenario | req/s | p50 | p99 | CPU µs/request (proxy process) | upstream CPU µs/request | other processes\' CPU |',
    '| --- | --- | --- | --- | --- | --- | --- |',
  ];
  for (const id of ORDER) {
    const sc = r.scenarios[id];
    if (!sc) continue;
    if ('error' in sc || 'skipped' in sc) {
      lines.push(`| ${id} | ${'error' in sc ? `failed: ${sc.error.split('\n')[0]}` : `skipped: ${sc.skipped}`} | | | | | |`);
      continue;
    }
    const bad = sc.non_2xx + sc.errors > 0 ? ` (${fmt(sc.non_2xx)} non-2xx, ${fmt(sc.errors)} errors)` : '';
    lines.push(`| ${sc.label}${bad} | ${fmt(sc.per_s)} | ${fmt(sc.p50_ms, 2)} ms | ${fmt(sc.p99_ms, 2)} ms | ${fmt(sc.cpu_us_per_request, 1)} | ${fmt(sc.upstream_cpu_us_per_request, 1)} | ${fmt(sc.other_cpu_share * 100)} % |`);
  }
  lines.push(
    '',
    '"CPU µs/request" is user + system time of the process under test (nginx: master and worker; the upstream itself for "direct") divided by the requests it served, ' +
      'the least over the rounds; on a shared 2-core machine it is steadier than requests/s, which the load generator and the upstream share the cores with. ' +
      '"other processes\' CPU" is the share of all cores that processes outside the measurement (other work on the machine, Redis, the OTLP sink) used during the round shown: ' +
      'the higher, the more that row\'s requests/s and latencies are understated.',
    '',
    '| Target | req/s ratio | same by CPU/request | target | verdict |',
    '| --- | --- | --- | --- | --- |',
  );
  for (const t of Object.values(r.targets)) {
    lines.push(`| ${t.what} | ${fmt(t.ratio, 3)} | ${fmt(t.by_cpu, 3)} | ≥ ${t.target} | ${verdict(t.met)} |`);
  }
  const soak = r.memory_soak;
  lines.push('', '## Memory');
  if (!soak) lines.push('', 'Not run.');
  else if ('error' in soak) lines.push('', `Failed: ${soak.error.split('\n')[0]}`);
  else {
    lines.push(
      '',
      `Scenario (c) under load for ${soak.seconds} s (${fmt(soak.load.per_s)} req/s, ${fmt(soak.load.requests)} requests), RSS every ${soak.sample_every_s} s: ` +
        `start ${fmt(soak.rss_mib.start, 1)} MiB, end ${fmt(soak.rss_mib.end, 1)} MiB, max ${fmt(soak.rss_mib.max, 1)} MiB (growth ${fmt(soak.growth * 100, 1)} %): ${soak.flat ? 'flat' : '**not flat**'}.`,
      '',
      `Samples (MiB): ${soak.rss_mib.samples.join(', ')}`,
    );
  }
  lines.push('', '## Tracing (scenario d)', '', String(r.tracing.note ?? ''));
  const nginx = r.scenarios.nginx;
  if (nginx && 'skipped' in nginx) lines.push('', `nginx was skipped: ${nginx.skipped}.`);
  const p = r.profile;
  if (p && 'runs' in p) {
    const ids = Object.keys(p.runs) as ProfiledId[];
    const hot = (h: { name: string; us_per_request: number } | undefined) => (h ? `\`${h.name}\` | ${fmt(h.us_per_request, 1)}` : ' | ');
    lines.push(
      '',
      '## CPU profiles',
      '',
      'node --cpu-prof, each process under the same load in a separate run (the profiler slows it; these are not the measurements above):',
      '',
      ...ids.map((id) => `- ${p.runs[id]!.label}: ${fmt(p.runs[id]!.per_s)} req/s, ${fmt(p.runs[id]!.cpu_us_per_request, 1)} µs CPU/request under the profiler; ${p.runs[id]!.file}`),
      '',
      'Self time by area in µs per request. "(native)" is mostly the socket writes (writev, writeLatin1String), which the plain proxy makes too; ' +
        'V8 samples the main thread at wall-clock intervals, so on a busy machine time spent waiting for a core lands on whatever ran next (often those writes): ' +
        'read the rows the plain proxy does not have (GC beyond its share, npm packages, gateway/src) as the gateway\'s own cost.',
      '',
      `| Area | ${ids.map((id) => p.runs[id]!.label).join(' | ')} |`,
      `| --- | ${ids.map(() => '---').join(' | ')} |`,
      ...p.areas_compared.map((a) => `| \`${a.area}\` | ${ids.map((id) => fmt(a[id], 1)).join(' | ')} |`),
    );
    for (const id of ids) {
      if (id === 'node_proxy') continue;
      const g = p.runs[id]!;
      lines.push(
        '',
        `Hottest functions of ${g.label} (µs per request):`,
        '',
        '| Self time: function | µs | Inclusive: gateway/src function | µs |',
        '| --- | --- | --- | --- |',
      );
      const n = Math.min(12, Math.max(g.top_self.length, g.top_gateway_inclusive.length));
      for (let i = 0; i < n; i++) lines.push(`| ${hot(g.top_self[i])} | ${hot(g.top_gateway_inclusive[i])} |`);
    }
  } else if (p && 'error' in p) lines.push('', `CPU profile failed: ${p.error.split('\n')[0]}`);
  const errors = Object.entries(r.errors);
  if (errors.length) lines.push('', '## Parts that failed', '', ...errors.map(([name, message]) => `- ${name}: ${message.split('\n')[0]}`));
  return `${lines.join('\n')}\n`;
}

export async function writeGatewayResults(results: GatewayBenchResults): Promise<string[]> {
  const dir = fileURLToPath(new URL(`${RESULTS_DIR}/`, rootDir));
  await mkdir(dir, { recursive: true });
  const files: [string, string][] = [
    ['gateway-latest.json', `${JSON.stringify(results, null, 2)}\n`],
    ['gateway-latest.md', gatewayMarkdown(results)],
  ];
  for (const [name, text] of files) {
    await writeFile(`${dir}${name}.tmp`, text);
    await rename(`${dir}${name}.tmp`, `${dir}${name}`);
  }
  return files.map(([name]) => `${RESULTS_DIR}/${name}`);
}
