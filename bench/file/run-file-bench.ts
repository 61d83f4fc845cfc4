// The file service benchmark (issue 6, `pnpm bench`): one 1 GiB file uploaded (multipart, streamed)
// and downloaded directly to the file service and through the gateway, in one run, beside a plain
// disk copy of the same file; peak RSS of the gateway and the file service during the transfers.
// Targets: through the gateway ≥ 50% of the disk-copy throughput; each process < 150 MB peak RSS.
//
// Processes are started as `npm start` starts them (node --import @platform/shared/telemetry/register
// src/main.ts) on free ports with their own database and events exchange: auth (for a real access
// token and JWKS), the file service, and the gateway reading kong/kong.yml rendered with the
// development keys and pointed at these ports. Telemetry is off (OTEL_SDK_DISABLED) so the figures
// are the data path's. Writes bench/results/file-latest.{json,md}.
//
// Run alone: `node bench/file/run-file-bench.ts` (BENCH_FILE_MB=64 for a quick smoke run,
// BENCH_FILE_ROUNDS=n for more rounds than 2).
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { availableParallelism, cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { devDefaults } from '../../infra/launcher/dev-env.ts';
import { DEV_KEYS_DIR, ensureDevKeys, kongTemplateVars, renderDeckTemplate } from '../../infra/launcher/dev-keys.ts';
import { startAuthProcess, type AuthProcess } from '../auth-process.ts';
import { spawnChild, waitForHttp, type Child } from '../gateway/child-process.ts';
import { rssBytes } from '../gateway/proc-stats.ts';
import { startGatewayProcess, type GatewayProcess } from '../gateway/gateway-process.ts';
import { createBenchDatabase, type BenchDatabase } from '../lib/bench-database.ts';
import { deleteExchange } from '../lib/bench-exchange.ts';
import { onInterrupt, runInterruptCleanups } from '../lib/cleanup.ts';
import { infra, rootDir } from '../lib/deps.ts';
import { freePort } from '../lib/free-port.ts';
import { progress } from '../lib/log.ts';
import { BENCH_FILE_BYTES, ensureBenchData, type BenchData } from './bench-data.ts';
import { CLIENT, download, kernelCopy, streamCopy, uploadMultipart, uploadTus, withRssPeaks, type Transfer } from './transfer.ts';
import { gitCommit } from '../lib/run-info.ts';

const root = fileURLToPath(rootDir);
const MB = 1024 * 1024;
const READY_MS = 90_000;
const TARGET_RATIO = 0.5;
const TARGET_RSS_MB = 150;

type Measured = Transfer & { peak_rss_mb: Record<string, number> };

export type FileBenchResults = {
  started_at: string;
  finished_at: string;
  git_commit: string | null;
  machine: Record<string, unknown>;
  /** os.loadavg() (1, 5, 15 min) at the start, before each round and at the end: how busy the machine was. */
  load_average: { start: number[]; rounds: number[][]; end: number[] };
  /** Node flags of the start scripts the processes ran with. */
  node_flags: { gateway: string[]; file: string[] };
  /** What sends and receives the bytes: curl when installed, else a node:http client. */
  client: 'curl' | 'node';
  file: { bytes: number; sha256: string; content_type: string };
  rounds: number;
  /** MB/s of every round, per transfer. */
  all_rounds: Record<string, number[]>;
  /** Transfer MB/s ÷ the same round's stream disk copy MB/s. */
  round_ratios_vs_disk_copy: Record<string, number[]>;
  disk_copy: { stream: Transfer; kernel_copy_file: Transfer; reference: 'stream' };
  transfers: Record<'upload_direct' | 'upload_gateway' | 'download_direct' | 'download_gateway', Measured>;
  /** Informational: the same file as one tus PATCH through the gateway, finishing step included. */
  tus_upload_gateway: Measured | { error: string };
  /** Idle: after start, before any transfer. Peak: the highest sample during the transfers, and VmHWM (lifetime peak). */
  peak_rss_mb: { gateway_idle: number; file_idle: number; gateway: number; file: number; gateway_vm_hwm: number | null; file_vm_hwm: number | null };
  /** Informational, idle: RSS backed by files (mostly the node executable, shared by every Node process) and the anonymous rest. */
  idle_rss_split_mb: Record<'gateway' | 'file', { rss_file: number | null; rss_anon: number | null }>;
  targets: Record<string, { value: number; target: string; met: boolean }>;
};


function procStatusMb(pid: number, field = 'VmHWM'): number | null {
  try {
    const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number((Number(match[1]) / 1024).toFixed(1)) : null;
  } catch {
    return null;
  }
}

/** The node arguments of a package's `start` script (flags included), so the bench runs what `npm start` runs. */
function startArgs(dir: 'services/file' | 'gateway'): string[] {
  const pkg = JSON.parse(readFileSync(join(root, dir, 'package.json'), 'utf8')) as { scripts?: { start?: string } };
  const words = (pkg.scripts?.start ?? 'node --import @platform/shared/telemetry/register src/main.ts').trim().split(/\s+/);
  if (words[0] !== 'node') throw new Error(`${dir}'s start script does not start with node: ${pkg.scripts?.start}`);
  return words.slice(1);
}

/** The V8/node flags of the gateway's start script (what comes before `--import`). */
const gatewayNodeFlags = (): string[] => {
  const args = startArgs('gateway');
  const end = args.indexOf('--import');
  return end === -1 ? [] : args.slice(0, end);
};

const loadAverage = () => loadavg().map((n) => Number(n.toFixed(2)));

export async function startFileService(runDir: string, db: BenchDatabase, auth: AuthProcess, exchange: string, bytes: number): Promise<{ child: Child; url: string }> {
  const port = await freePort();
  const env: NodeJS.ProcessEnv = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('OTEL_')));
  Object.assign(env, devDefaults(root), {
    NODE_ENV: 'production',
    LOG_LEVEL: 'warn',
    OTEL_SDK_DISABLED: 'true',
    OTEL_SERVICE_NAME: 'file-bench',
    DATABASE_URL: db.url,
    REDIS_URL: infra.redisUrl,
    AMQP_URL: infra.amqpUrl,
    EVENTS_EXCHANGE: exchange,
    PORT: String(port),
    AUTH_URL: auth.baseUrl,
    AUTH_JWKS_URL: `${auth.baseUrl}/api/v1/public/auth/.well-known/jwks.json`,
    STORAGE_DRIVER: 'local',
    STORAGE_DIR: join(runDir, 'files'),
    TUS_DIR: join(runDir, 'tus'),
    MAX_UPLOAD_BYTES: String(bytes * 2),
    DEFAULT_QUOTA_BYTES: String(bytes * 64),
    LARGE_UPLOAD_BYTES: String(50 * MB),
    LINK_SIGNING_SECRET: randomBytes(32).toString('hex'),
  });
  const child = spawnChild({
    name: 'file service',
    command: process.execPath,
    args: startArgs('services/file'),
    cwd: join(root, 'services/file'),
    env,
    logFile: join(runDir, 'file-service.log'),
  });
  const url = `http://127.0.0.1:${port}`;
  try {
    await waitForHttp(child, `${url}/api/v1/ready`, READY_MS, 200);
  } catch (err) {
    await child.stop('SIGKILL');
    throw err;
  }
  return { child, url };
}

/** kong/kong.yml rendered with the development keys (as `npm start` does), its upstreams moved to this run's ports. */
export function kongDocFor(filePort: number, authPort: number): Record<string, unknown> {
  const keys = ensureDevKeys(join(root, DEV_KEYS_DIR));
  const apiKeys = JSON.parse(readFileSync(keys.apiKeysFile, 'utf8')) as Record<string, string>;
  const vars = kongTemplateVars(readFileSync(keys.privateKeyFile, 'utf8'), apiKeys);
  const rendered = renderDeckTemplate(readFileSync(join(root, 'kong/kong.yml'), 'utf8'), vars)
    .replaceAll('http://127.0.0.1:3003/', `http://127.0.0.1:${filePort}/`)
    .replaceAll('http://127.0.0.1:3001/', `http://127.0.0.1:${authPort}/`);
  return parse(rendered) as Record<string, unknown>;
}

export async function login(auth: AuthProcess, email: string, password: string): Promise<string> {
  const res = await fetch(`${auth.baseUrl}/api/v1/public/auth/login`, {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email, password }),
  });
  const body = (await res.json()) as { data?: { access_token?: string } };
  if (!res.ok || !body.data?.access_token) throw new Error(`login failed: ${res.status} ${JSON.stringify(body).slice(0, 300)}`);
  return body.data.access_token;
}

export async function register(auth: AuthProcess): Promise<{ email: string; password: string }> {
  const email = `file-bench-${randomBytes(4).toString('hex')}@example.com`;
  const password = 'File-Bench-Passw0rd!';
  const res = await fetch(`${auth.baseUrl}/api/v1/public/auth/register`, {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email, password, display_name: 'File Bench' }),
  });
  if (res.status !== 201) throw new Error(`register failed: ${res.status} ${(await res.text()).slice(0, 300)}`);
  return { email, password };
}

export async function runFileBench(): Promise<unknown> {
  const startedAt = new Date();
  const bytes = process.env.BENCH_FILE_MB ? Number(process.env.BENCH_FILE_MB) * MB : BENCH_FILE_BYTES;
  const rounds = Math.max(1, Number(process.env.BENCH_FILE_ROUNDS ?? 2));
  const data: BenchData = ensureBenchData(bytes);
  const runDir = mkdtempSync(join(tmpdir(), 'file-bench-run-'));
  mkdirSync(join(runDir, 'files'));
  const removeRunDir = async () => rmSync(runDir, { recursive: true, force: true });
  const runDirDone = onInterrupt(removeRunDir);
  const stops: (() => Promise<unknown>)[] = [];
  try {
    const auth = await startAuthProcess();
    stops.push(() => auth.stop());
    const db = await createBenchDatabase(infra.databaseUrl, 'file');
    stops.push(() => db.drop());
    const exchange = `bench.file.${randomBytes(4).toString('hex')}`;
    stops.push(() => deleteExchange(infra.amqpUrl, exchange));
    const file = await startFileService(runDir, db, auth, exchange, bytes);
    stops.push(() => file.child.stop());
    const filePort = Number(new URL(file.url).port);
    const gateway: GatewayProcess = await startGatewayProcess({
      label: 'file', doc: kongDocFor(filePort, Number(new URL(auth.baseUrl).port)), runDir, redisUrl: infra.redisUrl, nodeFlags: gatewayNodeFlags(),
    });
    stops.push(() => gateway.child.stop());
    const pids = { gateway: gateway.child.pid, file: file.child.pid };
    await new Promise((r) => setTimeout(r, 1_000));
    const idle = { gateway: Number(((rssBytes(pids.gateway) ?? 0) / MB).toFixed(1)), file: Number(((rssBytes(pids.file) ?? 0) / MB).toFixed(1)) };
    const split = (pid: number) => ({ rss_file: procStatusMb(pid, 'RssFile'), rss_anon: procStatusMb(pid, 'RssAnon') });
    const idleSplit = { gateway: split(pids.gateway), file: split(pids.file) };
    progress(`file: idle RSS gateway ${idle.gateway} MB, file service ${idle.file} MB`);
    const user = await register(auth);

    const directApi = `${file.url}/api/v1`;
    const gatewayApi = `${gateway.url}/KONGAPI/api/v1`;
    const upload = async (api: string): Promise<Measured & { id: string }> => {
      const token = await login(auth, user.email, user.password);
      const { value, peak_rss_mb } = await withRssPeaks(pids, () =>
        uploadMultipart(`${api}/files`, token, { path: data.path, bytes, name: 'bench.gz', type: 'application/gzip' }));
      const body = value.body as { data?: { id: string; sha256: string; size: number } };
      if (value.status !== 201 || body.data?.sha256 !== data.sha256 || body.data.size !== bytes) {
        throw new Error(`upload to ${api} failed: ${value.status} ${JSON.stringify(value.body).slice(0, 300)}`);
      }
      const { status: _status, body: _body, ...transfer } = value;
      return { ...transfer, peak_rss_mb, id: body.data.id };
    };
    const fetchBack = async (api: string, id: string): Promise<Measured> => {
      const token = await login(auth, user.email, user.password);
      const { value, peak_rss_mb } = await withRssPeaks(pids, () => download(`${api}/files/${id}/content`, token));
      if (value.status !== 200 || value.bytes !== bytes) throw new Error(`download from ${api} failed: ${value.status}, ${value.bytes} bytes`);
      const { status: _status, ...transfer } = value;
      return { ...transfer, peak_rss_mb };
    };

    // Rounds interleave every transfer, so a burst of other work on the machine hits all of them
    // alike; each transfer's best round is reported (the least disturbed), peaks over all rounds.
    type Kind = 'stream' | 'kernel' | 'upload_direct' | 'upload_gateway' | 'download_direct' | 'download_gateway' | 'tus_gateway';
    const all: Record<Kind, (Transfer & { peak_rss_mb?: Record<string, number> })[]> = {
      stream: [], kernel: [], upload_direct: [], upload_gateway: [], download_direct: [], download_gateway: [], tus_gateway: [],
    };
    const tusErrors: string[] = [];
    const startLoad = loadAverage();
    const roundLoads: number[][] = [];
    for (let round = 1; round <= rounds; round++) {
      roundLoads.push(loadAverage());
      progress(`file: round ${round}/${rounds}: disk copy of ${bytes / MB} MiB`);
      all.stream.push(await streamCopy(data.path, join(runDir, 'copy.bin'), bytes));
      all.kernel.push(await kernelCopy(data.path, join(runDir, 'copy.bin'), bytes));
      const upDirect = await upload(directApi);
      const upGateway = await upload(gatewayApi);
      all.upload_direct.push(upDirect);
      all.upload_gateway.push(upGateway);
      all.download_direct.push(await fetchBack(directApi, upDirect.id));
      all.download_gateway.push(await fetchBack(gatewayApi, upGateway.id));
      const token = await login(auth, user.email, user.password);
      const { value, peak_rss_mb } = await withRssPeaks(pids, () =>
        uploadTus(`${gatewayApi}/uploads`, token, { path: data.path, bytes, name: 'bench-tus.gz', type: 'application/gzip' }));
      if (value.status !== 204 || !value.fileId || !value.location?.startsWith(`${gatewayApi}/uploads/`)) {
        tusErrors.push(`tus upload: status ${value.status}, location ${value.location}, file id ${value.fileId}`);
      } else {
        const { status: _s, fileId: _f, location: _l, ...transfer } = value;
        all.tus_gateway.push({ ...transfer, peak_rss_mb });
      }
      const last = (k: Kind) => all[k].at(-1)?.mb_per_s ?? 'n/a';
      progress(`file: round ${round}: disk copy ${last('stream')} MB/s (stream) ${last('kernel')} (copyFile); upload direct ${last('upload_direct')}, ` +
        `via gateway ${last('upload_gateway')}; download direct ${last('download_direct')}, via gateway ${last('download_gateway')}; tus via gateway ${last('tus_gateway')}`);
    }
    const best = <T extends Transfer>(list: T[]): T => list.reduce((a, b) => (b.mb_per_s > a.mb_per_s ? b : a));
    const stream = best(all.stream);
    const kernel = best(all.kernel);
    const upGateway = best(all.upload_gateway) as Measured;
    const downGateway = best(all.download_gateway) as Measured;
    const transfers = {
      upload_direct: best(all.upload_direct) as Measured,
      upload_gateway: upGateway,
      download_direct: best(all.download_direct) as Measured,
      download_gateway: downGateway,
    };
    const tusUpload: Measured | { error: string } = all.tus_gateway.length ? best(all.tus_gateway) as Measured : { error: tusErrors.join('; ') || 'not run' };
    const measured = [...all.upload_direct, ...all.upload_gateway, ...all.download_direct, ...all.download_gateway, ...all.tus_gateway];
    const peak = (name: 'gateway' | 'file') => Math.max(...measured.map((t) => t.peak_rss_mb?.[name] ?? 0));
    const peakRss = { gateway_idle: idle.gateway, file_idle: idle.file, gateway: peak('gateway'), file: peak('file'), gateway_vm_hwm: procStatusMb(pids.gateway), file_vm_hwm: procStatusMb(pids.file) };
    // Judged conservatively: each side at its best round (the least disturbed by other work on the
    // machine). The ratios within each round are recorded too; on a busy machine they swing widely
    // because the disk copy itself is slowed by writeback of everyone's dirty pages.
    const perRound = (k: Kind) => all[k].map((t, i) => Number((t.mb_per_s / (all.stream[i]?.mb_per_s ?? NaN)).toFixed(2)));
    const roundRatios = { upload_gateway: perRound('upload_gateway'), download_gateway: perRound('download_gateway'), upload_direct: perRound('upload_direct'), download_direct: perRound('download_direct') };
    const ratio = (t: Transfer) => Number((t.mb_per_s / stream.mb_per_s).toFixed(2));
    const targets = {
      upload_gateway_vs_disk_copy: { value: ratio(upGateway), target: `≥ ${TARGET_RATIO}`, met: ratio(upGateway) >= TARGET_RATIO },
      download_gateway_vs_disk_copy: { value: ratio(downGateway), target: `≥ ${TARGET_RATIO}`, met: ratio(downGateway) >= TARGET_RATIO },
      gateway_peak_rss_mb: { value: peakRss.gateway_vm_hwm ?? peakRss.gateway, target: `< ${TARGET_RSS_MB}`, met: (peakRss.gateway_vm_hwm ?? peakRss.gateway) < TARGET_RSS_MB },
      file_peak_rss_mb: { value: peakRss.file_vm_hwm ?? peakRss.file, target: `< ${TARGET_RSS_MB}`, met: (peakRss.file_vm_hwm ?? peakRss.file) < TARGET_RSS_MB },
    };
    const results: FileBenchResults = {
      started_at: startedAt.toISOString(),
      finished_at: new Date().toISOString(),
      git_commit: gitCommit(),
      machine: { cpus: availableParallelism(), cpu_model: cpus()[0]?.model ?? null, memory_gib: Number((totalmem() / 2 ** 30).toFixed(1)), node: process.version },
      load_average: { start: startLoad, rounds: roundLoads, end: loadAverage() },
      node_flags: { gateway: gatewayNodeFlags(), file: startArgs('services/file').slice(0, Math.max(0, startArgs('services/file').indexOf('--import'))) },
      client: CLIENT,
      file: { bytes, sha256: data.sha256, content_type: 'application/gzip' },
      rounds,
      disk_copy: { stream, kernel_copy_file: kernel, reference: 'stream' },
      transfers,
      tus_upload_gateway: tusUpload,
      round_ratios_vs_disk_copy: roundRatios,
      all_rounds: Object.fromEntries(Object.entries(all).map(([k, list]) => [k, list.map((t) => t.mb_per_s)])),
      peak_rss_mb: peakRss,
      idle_rss_split_mb: idleSplit,
      targets,
    };
    const files = await writeFileResults(results);
    progress(`file: results in ${files.join(', ')}`);
    return { files, targets };
  } finally {
    for (const stop of stops.reverse()) await stop().catch((err: unknown) => progress(`file: cleanup step failed: ${String(err)}`));
    await removeRunDir();
    runDirDone();
  }
}

const fmt = (n: number, digits = 1) => n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });

function markdown(r: FileBenchResults): string {
  const ref = r.disk_copy.stream.mb_per_s;
  const row = (label: string, t: Transfer & { peak_rss_mb?: Record<string, number> }) =>
    `| ${label} | ${fmt(t.seconds, 2)} | ${fmt(t.mb_per_s)} | ${fmt(t.mb_per_s / ref, 2)} | ${t.peak_rss_mb ? fmt(t.peak_rss_mb.gateway ?? 0) : '-'} | ${t.peak_rss_mb ? fmt(t.peak_rss_mb.file ?? 0) : '-'} |`;
  const target = (what: string, t: { value: number; target: string; met: boolean }) => `| ${what} | ${t.value} | ${t.target} | ${t.met ? 'met' : 'NOT met'} |`;
  return [
    '# File service benchmark',
    '',
    `${r.file.bytes / MB} MiB of random data (${r.file.content_type}), uploaded (multipart, streamed) and downloaded each way on loopback, ` +
      `${r.rounds} interleaved round(s), each transfer's best round shown (all rounds in the JSON). ` +
      `Commit ${r.git_commit ?? 'n/a'}, ${r.machine.cpus} vCPU, node ${r.machine.node}, ${r.finished_at}. ` +
      `Client (${r.client}), gateway and file service share the machine; telemetry off. The disk-copy reference is a read→write stream copy ` +
      '(what any process moving the bytes does); fs.copyFile, which the kernel does without the bytes leaving it, is shown beside it. ' +
      `Load average (1 min) before each round: ${r.load_average.rounds.map((l) => l[0]).join(', ')} (end ${r.load_average.end.join(' / ')}). ` +
      `Node flags from the start scripts: gateway \`${r.node_flags.gateway.join(' ') || 'none'}\`, file service \`${r.node_flags.file.join(' ') || 'none'}\`.`,
    '',
    '| transfer (best round) | seconds | MB/s | × best disk copy | gateway peak RSS (MB) | file service peak RSS (MB) |',
    '| --- | ---: | ---: | ---: | ---: | ---: |',
    row('disk copy (stream, reference)', r.disk_copy.stream),
    row('disk copy (fs.copyFile)', r.disk_copy.kernel_copy_file),
    row('upload direct', r.transfers.upload_direct),
    row('upload through the gateway', r.transfers.upload_gateway),
    row('download direct', r.transfers.download_direct),
    row('download through the gateway', r.transfers.download_gateway),
    'mb_per_s' in r.tus_upload_gateway
      ? row('tus upload through the gateway (one PATCH, finishing step included; informational)', r.tus_upload_gateway)
      : `| tus upload through the gateway | failed: ${r.tus_upload_gateway.error} | | | | |`,
    '',
    `RSS when idle after start (before any transfer): gateway ${r.peak_rss_mb.gateway_idle} MB, file service ${r.peak_rss_mb.file_idle} MB; ` +
      `highest sample during the transfers: gateway ${r.peak_rss_mb.gateway} MB, file service ${r.peak_rss_mb.file} MB; ` +
      `peak over the whole process lifetime (VmHWM, the figure the target is checked on): gateway ${r.peak_rss_mb.gateway_vm_hwm ?? 'n/a'} MB, file service ${r.peak_rss_mb.file_vm_hwm ?? 'n/a'} MB. ` +
      `Of the idle RSS, file-backed pages (mostly the node executable, shared by every Node process): gateway ${r.idle_rss_split_mb.gateway.rss_file ?? 'n/a'} MB, ` +
      `file service ${r.idle_rss_split_mb.file.rss_file ?? 'n/a'} MB; anonymous: gateway ${r.idle_rss_split_mb.gateway.rss_anon ?? 'n/a'} MB, file service ${r.idle_rss_split_mb.file.rss_anon ?? 'n/a'} MB.`,
    '',
    `Ratios to the disk copy measured in the same round (round 1, 2 …): upload direct ${r.round_ratios_vs_disk_copy.upload_direct!.join(', ')}; ` +
      `upload through the gateway ${r.round_ratios_vs_disk_copy.upload_gateway!.join(', ')}; download direct ${r.round_ratios_vs_disk_copy.download_direct!.join(', ')}; ` +
      `download through the gateway ${r.round_ratios_vs_disk_copy.download_gateway!.join(', ')}. The targets below compare each transfer's best round with the best disk copy.`,
    '',
    '| target | value | goal | |',
    '| --- | ---: | --- | --- |',
    target('upload through the gateway / disk copy', r.targets.upload_gateway_vs_disk_copy!),
    target('download through the gateway / disk copy', r.targets.download_gateway_vs_disk_copy!),
    target('gateway peak RSS (MB)', r.targets.gateway_peak_rss_mb!),
    target('file service peak RSS (MB)', r.targets.file_peak_rss_mb!),
    '',
  ].join('\n');
}

async function writeFileResults(r: FileBenchResults): Promise<string[]> {
  const dir = join(root, 'bench/results');
  await mkdir(dir, { recursive: true });
  const out: string[] = [];
  for (const [name, text] of [['file-latest.json', `${JSON.stringify(r, null, 2)}\n`], ['file-latest.md', markdown(r)]] as const) {
    const path = join(dir, name);
    await writeFile(`${path}.tmp`, text);
    await rename(`${path}.tmp`, path);
    out.push(`bench/results/${name}`);
  }
  return out;
}

if (import.meta.main) {
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      progress(`${signal}: cleaning up`);
      void runInterruptCleanups().finally(() => process.exit(130));
    });
  }
  const summary = (await runFileBench()) as { targets: Record<string, { value: number; target: string; met: boolean }> };
  for (const [name, t] of Object.entries(summary.targets)) progress(`${name}: ${t.value} (target ${t.target}): ${t.met ? 'met' : 'NOT met'}`);
}
