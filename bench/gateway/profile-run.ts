// CPU profiles (node --cpu-prof) of the gateway in scenario (a) and, as the floor to compare with,
// of the plain node:http proxy, each under the same load in a separate run (the profiler slows the
// process, so these runs are not the measurements). Costs are given in µs per request, by area
// (our files, npm packages, Node internals, native writes, GC) and by function.
import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { infra, rootDir } from '../lib/deps.ts';
import { freePort } from '../lib/free-port.ts';
import { progress } from '../lib/log.ts';
import { GATEWAY_PATH, kongDocument, makeCredentials } from './bench-kong-config.ts';
import { spawnChild, waitForHttp, type Child } from './child-process.ts';
import { summarizeCpuProfile, type ProfileSummary } from './cpu-profile.ts';
import { startGatewayProcess } from './gateway-process.ts';
import { runLoad, type LoadSettings } from './load.ts';

const root = fileURLToPath(rootDir);
const here = (file: string) => fileURLToPath(new URL(file, import.meta.url));

export type ProfiledRun = ProfileSummary & { file: string; per_s: number; cpu_us_per_request: number | null };
export type ProxyProfiles = {
  scenario: string;
  gateway: ProfiledRun;
  node_proxy: ProfiledRun;
  /** The gateway's top areas by self time next to the plain proxy's cost in the same area (µs per request). */
  areas_compared: { area: string; gateway_us: number; node_proxy_us: number }[];
};

async function profiled(name: string, start: () => Promise<{ child: Child; url: string }>, profDir: string, upstream: Child, load: LoadSettings): Promise<ProfiledRun> {
  progress(`gateway: CPU profile of ${name}`);
  const spawnedAt = performance.now();
  const { child, url } = await start();
  try {
    // Start-up and warm-up are left out of the summary: only the measured window is read.
    const skipMs = performance.now() - spawnedAt + load.warmupS * 1000;
    const result = await runLoad({ url, processPid: child.pid, upstreamPid: upstream.pid }, load);
    // SIGTERM: both processes end in process.exit, which writes the profile.
    await child.stop();
    const file = readdirSync(profDir).find((f) => f.endsWith('.cpuprofile'));
    if (!file) throw new Error(`${name}: no .cpuprofile written in ${profDir}:\n${child.logTail()}`);
    const path = join(profDir, file);
    return { file: path, per_s: result.per_s, cpu_us_per_request: result.cpu_us_per_request, ...summarizeCpuProfile(path, skipMs, result.requests) };
  } finally {
    await child.stop();
  }
}

export async function profileProxies(load: LoadSettings): Promise<ProxyProfiles> {
  // Kept after the run (outside the results) for reading in Chrome DevTools or speedscope.
  const runDir = mkdtempSync(join(tmpdir(), 'gateway-bench-profile-'));
  const upstreamPort = await freePort();
  const upstream = spawnChild({ name: 'upstream', command: process.execPath, args: [here('upstream-server.ts'), String(upstreamPort)], cwd: root, env: process.env, logFile: join(runDir, 'upstream.log') });
  try {
    await waitForHttp(upstream, `http://127.0.0.1:${upstreamPort}/api/v1/bench/ready`, 10_000, 200);
    const gwDir = join(runDir, 'gateway-a');
    const gateway = await profiled('gateway (a)', async () => {
      const gw = await startGatewayProcess({ label: 'gateway_a_profile', doc: kongDocument('none', upstreamPort, makeCredentials(), infra.redisUrl), runDir, redisUrl: infra.redisUrl, cpuProfDir: gwDir });
      return { child: gw.child, url: `${gw.url}${GATEWAY_PATH}/items` };
    }, gwDir, upstream, load);
    const proxyDir = join(runDir, 'node-proxy');
    const nodeProxy = await profiled('the plain node:http proxy', async () => {
      const port = await freePort();
      const child = spawnChild({
        name: 'node-proxy (profiled)',
        command: process.execPath,
        args: ['--cpu-prof', `--cpu-prof-dir=${proxyDir}`, here('plain-proxy.ts'), String(port), String(upstreamPort)],
        cwd: root,
        env: process.env,
        logFile: join(runDir, 'node-proxy.log'),
      });
      await waitForHttp(child, `http://127.0.0.1:${port}/api/v1/bench/ready`, 10_000, 200);
      return { child, url: `http://127.0.0.1:${port}/api/v1/bench/items` };
    }, proxyDir, upstream, load);
    const floor = new Map(nodeProxy.top_areas.map((a) => [a.name, a.us_per_request]));
    return {
      scenario: '(a) no plugins',
      gateway,
      node_proxy: nodeProxy,
      areas_compared: gateway.top_areas.map((a) => ({ area: a.name, gateway_us: a.us_per_request, node_proxy_us: floor.get(a.name) ?? 0 })),
    };
  } finally {
    await upstream.stop();
  }
}
