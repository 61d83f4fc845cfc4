// CPU profiles (node --cpu-prof) for tuning, each under the same load in a separate run (the
// profiler slows the process, so these runs are not the measurements): the gateway in scenario
// (a) and, as the floor to compare with, the plain node:http proxy; (c) and (d) too when their
// targets were missed. Costs are given in µs per request, by area (our files, npm packages, Node
// internals, native writes, GC) and by function.
import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { infra, rootDir } from '../lib/deps.ts';
import { freePort } from '../lib/free-port.ts';
import { progress } from '../lib/log.ts';
import { GATEWAY_PATH, kongDocument, makeCredentials, type ScenarioPlugins } from './bench-kong-config.ts';
import { spawnChild, waitForHttp, type Child } from './child-process.ts';
import { summarizeCpuProfile, type ProfileSummary } from './cpu-profile.ts';
import { startGatewayProcess } from './gateway-process.ts';
import { runLoad, type LoadSettings } from './load.ts';

const root = fileURLToPath(rootDir);
const here = (file: string) => fileURLToPath(new URL(file, import.meta.url));

export type ProfiledId = 'node_proxy' | 'gateway_a' | 'gateway_c' | 'gateway_d';
export type ProfiledRun = ProfileSummary & { label: string; file: string; per_s: number; cpu_us_per_request: number | null };
export type Profiles = {
  runs: Partial<Record<ProfiledId, ProfiledRun>>;
  /** The areas that cost most in any profiled gateway, with each run's µs per request in them. */
  areas_compared: ({ area: string } & Partial<Record<ProfiledId, number>>)[];
};

const GATEWAYS: Record<Exclude<ProfiledId, 'node_proxy'>, { label: string; plugins: ScenarioPlugins; tracing: boolean }> = {
  gateway_a: { label: 'gateway (a)', plugins: 'none', tracing: false },
  gateway_c: { label: 'gateway (c)', plugins: 'jwt+rate-limiting+correlation-id', tracing: false },
  gateway_d: { label: 'gateway (d)', plugins: 'jwt+rate-limiting+correlation-id', tracing: true },
};
const AREAS_SHOWN = 15;

async function profiled(
  label: string,
  start: () => Promise<{ child: Child; url: string; headers?: Record<string, string> }>,
  profDir: string,
  upstream: Child,
  load: LoadSettings,
): Promise<ProfiledRun> {
  progress(`gateway: CPU profile of ${label}`);
  const spawnedAt = performance.now();
  const { child, url, headers } = await start();
  try {
    // Start-up and warm-up are left out of the summary: only the measured window is read.
    const skipMs = performance.now() - spawnedAt + load.warmupS * 1000;
    const result = await runLoad({ url, processPid: child.pid, upstreamPid: upstream.pid, ...(headers && { headers }) }, load);
    // SIGTERM: the gateway and the plain proxy both end in process.exit, which writes the profile.
    await child.stop();
    const file = readdirSync(profDir).find((f) => f.endsWith('.cpuprofile'));
    if (!file) throw new Error(`${label}: no .cpuprofile written in ${profDir}:\n${child.logTail()}`);
    const path = join(profDir, file);
    return { label, file: path, per_s: result.per_s, cpu_us_per_request: result.cpu_us_per_request, ...summarizeCpuProfile(path, skipMs, result.requests) };
  } finally {
    await child.stop();
  }
}

export async function profileRuns(ids: ProfiledId[], load: LoadSettings): Promise<Profiles> {
  // Kept after the run (outside the results) for reading in Chrome DevTools or speedscope.
  const runDir = mkdtempSync(join(tmpdir(), 'gateway-bench-profile-'));
  const upstreamPort = await freePort();
  const upstream = spawnChild({ name: 'upstream', command: process.execPath, args: [here('upstream-server.ts'), String(upstreamPort)], cwd: root, env: process.env, logFile: join(runDir, 'upstream.log') });
  let sink: Child | undefined;
  const runs: Profiles['runs'] = {};
  try {
    await waitForHttp(upstream, `http://127.0.0.1:${upstreamPort}/api/v1/bench/ready`, 10_000, 200);
    const credentials = makeCredentials();
    for (const id of ids) {
      const profDir = join(runDir, id);
      if (id === 'node_proxy') {
        runs[id] = await profiled('the plain node:http proxy', async () => {
          const port = await freePort();
          const child = spawnChild({
            name: 'node-proxy (profiled)',
            command: process.execPath,
            args: ['--cpu-prof', `--cpu-prof-dir=${profDir}`, here('plain-proxy.ts'), String(port), String(upstreamPort)],
            cwd: root,
            env: process.env,
            logFile: join(runDir, 'node-proxy.log'),
          });
          await waitForHttp(child, `http://127.0.0.1:${port}/api/v1/bench/ready`, 10_000, 200);
          return { child, url: `http://127.0.0.1:${port}/api/v1/bench/items` };
        }, profDir, upstream, load);
        continue;
      }
      const g = GATEWAYS[id];
      let otlpEndpoint: string | undefined;
      if (g.tracing) {
        const sinkPort = await freePort();
        sink ??= spawnChild({ name: 'otlp-sink', command: process.execPath, args: [here('otlp-sink.ts'), String(sinkPort)], cwd: root, env: process.env, logFile: join(runDir, 'otlp-sink.log') });
        await waitForHttp(sink, `http://127.0.0.1:${sinkPort}/count`, 10_000, 200);
        otlpEndpoint = `http://127.0.0.1:${sinkPort}`;
      }
      runs[id] = await profiled(g.label, async () => {
        const gw = await startGatewayProcess({
          label: `${id}_profile`,
          doc: kongDocument(g.plugins, upstreamPort, credentials, infra.redisUrl),
          runDir,
          redisUrl: infra.redisUrl,
          cpuProfDir: profDir,
          ...(otlpEndpoint && { otlpEndpoint }),
        });
        return { child: gw.child, url: `${gw.url}${GATEWAY_PATH}/items`, ...(g.plugins !== 'none' && { headers: { authorization: `Bearer ${credentials.token}` } }) };
      }, profDir, upstream, load);
    }
  } finally {
    await sink?.stop();
    await upstream.stop();
  }
  return { runs, areas_compared: compareAreas(runs) };
}

function compareAreas(runs: Profiles['runs']): Profiles['areas_compared'] {
  const perRun = Object.entries(runs).map(([id, run]) => [id, new Map(run.top_areas.map((a) => [a.name, a.us_per_request]))] as const);
  // Rank areas by the most any gateway run spends in them.
  const worst = new Map<string, number>();
  for (const [id, areas] of perRun) {
    if (id === 'node_proxy') continue;
    for (const [area, us] of areas) worst.set(area, Math.max(worst.get(area) ?? 0, us));
  }
  return [...worst.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, AREAS_SHOWN)
    .map(([area]) => ({ area, ...Object.fromEntries(perRun.map(([id, areas]) => [id, areas.get(area) ?? 0])) }));
}
