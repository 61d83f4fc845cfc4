// Diagnostic, not part of `pnpm bench`: where the gateway's memory goes during a large transfer.
// Starts auth, the file service and the gateway (GATEWAY_FLAGS: extra node flags, space-separated),
// uploads and downloads one file through the gateway, and samples the gateway's /status memory
// (heap, external) and VmRSS every 50 ms. Prints idle, peak and the sample at each peak.
//   BENCH_FILE_MB=256 GATEWAY_FLAGS="--max-semi-space-size=1" node bench/file/probe-gateway-memory.ts
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startAuthProcess } from '../auth-process.ts';
import { startGatewayProcess } from '../gateway/gateway-process.ts';
import { rssBytes } from '../gateway/proc-stats.ts';
import { processCpu } from '../lib/process-cpu.ts';
import { createBenchDatabase } from '../lib/bench-database.ts';
import { deleteExchange } from '../lib/bench-exchange.ts';
import { infra } from '../lib/deps.ts';
import { ensureBenchData } from './bench-data.ts';
import { kongDocFor, login, register, startFileService } from './run-file-bench.ts';
import { download, uploadMultipart } from './transfer.ts';

const MB = 1024 * 1024;
const bytes = Number(process.env.BENCH_FILE_MB ?? 256) * MB;
const flags = (process.env.GATEWAY_FLAGS ?? '').split(/\s+/).filter(Boolean);
const data = ensureBenchData(bytes);
const runDir = mkdtempSync(join(tmpdir(), 'file-probe-'));
mkdirSync(join(runDir, 'files'));
const auth = await startAuthProcess();
const db = await createBenchDatabase(infra.databaseUrl, 'file');
const exchange = `bench.file.${randomBytes(4).toString('hex')}`;
const file = await startFileService(runDir, db, auth, exchange, bytes);
const gateway = await startGatewayProcess({
  label: 'probe', doc: kongDocFor(Number(new URL(file.url).port), Number(new URL(auth.baseUrl).port)), runDir, redisUrl: infra.redisUrl, nodeFlags: flags,
});
type Sample = { rss: number; heap_used: number; heap_total: number; external: number };
const sample = async (): Promise<Sample> => {
  const body = (await (await fetch(`${gateway.statusUrl}/status`)).json()) as { memory: { heap_used_bytes: number; heap_total_bytes: number; external_bytes: number } };
  const mb = (n: number) => Number((n / MB).toFixed(1));
  return { rss: mb(rssBytes(gateway.child.pid) ?? 0), heap_used: mb(body.memory.heap_used_bytes), heap_total: mb(body.memory.heap_total_bytes), external: mb(body.memory.external_bytes) };
};
const sampled = async <T>(label: string, work: () => Promise<T>): Promise<T> => {
  const peaks: Record<string, Sample> = {};
  let running = true;
  const loop = (async () => {
    while (running) {
      const s = await sample();
      for (const k of Object.keys(s) as (keyof Sample)[]) if (!peaks[k] || s[k] > peaks[k][k]) peaks[k] = s;
      await new Promise((r) => setTimeout(r, 50));
    }
  })();
  const cpu0 = [processCpu(gateway.child.pid)?.totalMs ?? 0, processCpu(file.child.pid)?.totalMs ?? 0];
  const t0 = process.hrtime.bigint();
  const value = await work();
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  const cpu = [(processCpu(gateway.child.pid)?.totalMs ?? 0) - cpu0[0]!, (processCpu(file.child.pid)?.totalMs ?? 0) - cpu0[1]!];
  console.log(`${label}: CPU ms per GiB: gateway ${(cpu[0]! / (bytes / 1024 ** 3)).toFixed(0)}, file service ${(cpu[1]! / (bytes / 1024 ** 3)).toFixed(0)}; wall ${seconds.toFixed(2)} s`);
  running = false;
  await loop;
  console.log(`${label}: ${(bytes / MB / seconds).toFixed(0)} MB/s; at peak rss ${JSON.stringify(peaks.rss)}; peak external ${JSON.stringify(peaks.external)}; peak heap_total ${JSON.stringify(peaks.heap_total)}`);
  return value;
};
try {
  await new Promise((r) => setTimeout(r, 1000));
  console.log(`flags [${flags.join(' ')}] idle ${JSON.stringify(await sample())}`);
  const user = await register(auth);
  const api = process.env.PROBE_DIRECT ? `${file.url}/api/v1` : `${gateway.url}/KONGAPI/api/v1`;
  for (let i = 0; i < Number(process.env.PROBE_ROUNDS ?? 1); i++) {
    const token = await login(auth, user.email, user.password);
    const up = await sampled('upload', () => uploadMultipart(`${api}/files`, token, { path: data.path, bytes, name: 'probe.gz', type: 'application/gzip' }));
    const id = (up.body as { data: { id: string } }).data.id;
    await sampled('download', () => download(`${api}/files/${id}/content`, token));
  }
  console.log(`after ${JSON.stringify(await sample())}`);
} finally {
  await gateway.child.stop();
  await file.child.stop();
  await auth.stop();
  await db.drop();
  await deleteExchange(infra.amqpUrl, exchange);
  if (process.env.PROBE_KEEP_LOG) execFileSync('cp', [join(runDir, 'gateway-probe.log'), process.env.PROBE_KEEP_LOG]);
  rmSync(runDir, { recursive: true, force: true });
}
