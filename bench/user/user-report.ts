// Writes the user benchmark's results: the full JSON and a Markdown summary for people and the README.
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { rootDir } from '../lib/deps.ts';

const RESULTS_DIR = 'bench/results';

export type Target = {
  what: string;
  numerator_p50_ms: number | null;
  denominator_p50_ms: number | null;
  /** Median over rounds of numerator p50 / denominator p50 measured back to back. */
  ratio: number | null;
  per_round: number[];
  /** The most the ratio may be. */
  target: number;
  met: boolean | null;
};

type Load = { per_s: number; p50_ms: number; p99_ms: number };
type Round = Load & { requests: number; service_cpu_us_per_request: number | null; round: number };
type Activity = { samples: number; busy_share: number; backend_ms: number; db_ms_per_request: number; top: { share: number; query: string }[] };
type Side = { median: Load; rounds: Round[]; probe: Record<string, unknown>; activity?: Activity } | { not_measured: string };

export type UserBenchResults = {
  started_at: string;
  finished_at: string;
  git_commit: string | null;
  uncommitted_changes: string[] | null;
  machine: Record<string, unknown>;
  settings: { bigRows: number; smallRows: number; durationS: number; warmupS: number; connections: number; rounds: number; quick: boolean; deepPageShare: number };
  setup: Record<string, unknown>;
  scenarios: Record<string, { label: string; small?: Side; big?: Side }>;
  targets: Record<string, Target>;
  informational: Record<string, Target>;
  errors: Record<string, string>;
};

const n = (v: unknown, unit = '') => (typeof v === 'number' && Number.isFinite(v) ? `${v.toLocaleString('en-US')}${unit}` : 'n/a');
const verdict = (met: boolean | null) => (met === true ? 'met' : met === false ? '**not met**' : 'n/a');
const cell = (side: Side | undefined, f: (s: Load) => string) => (!side ? '' : 'median' in side ? f(side.median) : 'not measured');
const medianCpu = (side: Side | undefined) => {
  if (!side || !('median' in side)) return '-';
  const v = side.rounds.map((r) => r.service_cpu_us_per_request).filter((x): x is number => x !== null).sort((a, b) => a - b);
  return v.length ? n(v[Math.floor(v.length / 2)]) : 'n/a';
};

export function toMarkdown(r: UserBenchResults): string {
  const big = r.settings.bigRows.toLocaleString('en-US');
  const small = r.settings.smallRows.toLocaleString('en-US');
  const lines = [
    '# User service benchmark',
    '',
    `Run ${r.started_at} at commit ${r.git_commit ?? 'n/a'} on ${n(r.machine.cpus)} CPUs (${String(r.machine.cpu_model)}), Node ${String(r.machine.node)}, ` +
      `load average ${n(r.machine.load_avg_1m_at_start)} at start and ${n(r.machine.load_avg_1m_at_end)} at the end. ` +
      `Two databases side by side, ${big} and ${small} users (seeded with generate_series, indexes from the service's migrations, VACUUM ANALYZE), ` +
      `each served by a user service process (its start command; ${String(r.setup.service_env)}). autocannon on loopback, ${r.settings.connections} keep-alive connections, ` +
      `${r.settings.durationS} s per scenario and size after a ${r.settings.warmupS} s warm-up, ${r.settings.rounds} round(s), the two sizes of a scenario back to back ` +
      '(the order reversed every other round); medians over the rounds are shown, and each ratio is the median of the rounds\' back-to-back ratios. ' +
      'Produced by bench/user/run-user-bench.ts (part of `pnpm bench`); all numbers in `user-latest.json`.',
    '',
  ];
  if (r.uncommitted_changes?.length) lines.push(`Measured with uncommitted changes in: ${r.uncommitted_changes.join(', ')}.`, '');
  lines.push(
    `| Scenario | ${small} rows: req/s, p50, p99 | ${big} rows: req/s, p50, p99 | service CPU µs/request (${small} / ${big}) | database ms/request (${small} / ${big}) |`,
    '| --- | --- | --- | --- | --- |',
  );
  const load = (s: Load) => `${n(s.per_s)}/s, ${n(s.p50_ms, ' ms')}, ${n(s.p99_ms, ' ms')}`;
  for (const sc of Object.values(r.scenarios)) {
    const cpu = [sc.small, sc.big].map(medianCpu).join(' / ');
    const db = [sc.small, sc.big].map((s) => (s && 'median' in s && s.activity ? n(s.activity.db_ms_per_request) : '-')).join(' / ');
    lines.push(`| ${sc.label} | ${cell(sc.small, load) || '-'} | ${cell(sc.big, load) || '-'} | ${cpu} | ${db} |`);
  }
  lines.push('', 'Database ms/request: statements of the benchmark database running, sampled from pg_stat_activity every ~10 ms during round 1 ' +
    'and summed over time, per request served: how the work inside Postgres grows with the table, which the latencies show only through ' +
    'the noise of a shared machine (see the load average above).');
  lines.push('', '| Target | p50 ratio (per round) | target | verdict |', '| --- | --- | --- | --- |');
  const rounds = (t: Target) => (t.per_round.length ? ` (${t.per_round.join(', ')})` : '');
  for (const t of Object.values(r.targets)) {
    lines.push(`| ${t.what} (${n(t.numerator_p50_ms, ' ms')} / ${n(t.denominator_p50_ms, ' ms')}) | ${n(t.ratio)}${rounds(t)} | ≤ ${t.target} | ${verdict(t.met)} |`);
  }
  for (const t of Object.values(r.informational)) {
    lines.push(`| ${t.what} (${n(t.numerator_p50_ms, ' ms')} / ${n(t.denominator_p50_ms, ' ms')}), for information | ${n(t.ratio)}${rounds(t)} | | |`);
  }
  const seeded = r.setup.seeded as Record<string, { rows: number; seconds: { insert: number; indexes: number; analyze: number }; table_mib: number; indexes_mib: number }> | undefined;
  if (seeded?.big) {
    lines.push('', `Seeding ${n(seeded.big.rows)} users: insert ${n(seeded.big.seconds.insert)} s, indexes ${n(seeded.big.seconds.indexes)} s, VACUUM ANALYZE ${n(seeded.big.seconds.analyze)} s; ` +
      `table ${n(seeded.big.table_mib)} MiB, indexes ${n(seeded.big.indexes_mib)} MiB. Search term: "${String(r.setup.search_term)}". Events: ${String(r.setup.events)}.`);
  }
  const notes: string[] = [];
  for (const [id, sc] of Object.entries(r.scenarios)) {
    for (const size of ['small', 'big'] as const) {
      const s = sc[size];
      if (s && 'not_measured' in s) notes.push(`- ${id} (${size}): not measured: ${s.not_measured.split('\n')[0]}`);
      if (s && 'median' in s && s.probe.total !== undefined && s.probe.total !== null) {
        notes.push(`- ${id} (${size}): total ${n(s.probe.total)}${s.probe.total_estimated ? ' (estimated)' : ''}`);
      }
    }
  }
  if (notes.length) lines.push('', '## Totals and gaps', '', ...notes);
  const activity: string[] = [];
  for (const [id, sc] of Object.entries(r.scenarios)) {
    const s = sc.big;
    if (s && 'activity' in s && s.activity?.top.length) {
      activity.push(`- ${id}: a statement running in ${Math.round(s.activity.busy_share * 100)} % of ${s.activity.samples} samples; most seen (backends running it, on average): ` +
        s.activity.top.map((t) => `${t.share} \`${t.query.slice(0, 200)}\``).join('; '));
    }
  }
  if (activity.length) lines.push('', `## Where the time goes at ${big} rows (pg_stat_activity samples, round 1)`, '', ...activity);
  const errors = Object.entries(r.errors);
  if (errors.length) lines.push('', '## Errors', '', ...errors.map(([k, v]) => `- ${k}: ${v.split('\n')[0]}`));
  return `${lines.join('\n')}\n`;
}

export async function writeUserResults(results: UserBenchResults): Promise<string[]> {
  const dir = fileURLToPath(new URL(`${RESULTS_DIR}/`, rootDir));
  await mkdir(dir, { recursive: true });
  const files: [string, string][] = [
    ['user-latest.json', `${JSON.stringify(results, null, 2)}\n`],
    ['user-latest.md', toMarkdown(results)],
  ];
  for (const [name, text] of files) {
    await writeFile(`${dir}${name}.tmp`, text);
    await rename(`${dir}${name}.tmp`, `${dir}${name}`);
  }
  return files.map(([name]) => `${RESULTS_DIR}/${name}`);
}
