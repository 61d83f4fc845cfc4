// The gateway as `npm start` runs it (gateway/: node --import @platform/shared/telemetry/register
// src/main.ts), in its own process on free loopback ports, reading a kong.yml written for the scenario.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';
import { rootDir } from '../lib/deps.ts';
import { freePort } from '../lib/free-port.ts';
import { spawnChild, waitForHttp, type Child } from './child-process.ts';

const READY_TIMEOUT_MS = 30_000;

export type GatewayProcess = { child: Child; url: string; statusUrl: string };

export type GatewayLaunch = {
  label: string;
  doc: Record<string, unknown>;
  runDir: string;
  redisUrl: string;
  /** Tracing on, spans exported over OTLP/HTTP to this endpoint; otherwise OTEL_SDK_DISABLED=true. */
  otlpEndpoint?: string;
  /** Write a V8 CPU profile (--cpu-prof) into this directory when the process exits. */
  cpuProfDir?: string;
  /** Node flags put before `--import` (the file bench passes those of gateway/package.json's start script). */
  nodeFlags?: string[];
};

export async function startGatewayProcess(launch: GatewayLaunch): Promise<GatewayProcess> {
  const kongPath = join(launch.runDir, `kong-${launch.label}.yml`);
  writeFileSync(kongPath, stringify(launch.doc));
  const [port, statusPort] = [await freePort(), await freePort()];
  // The bench's own OTEL_* settings must not leak in: each scenario states its telemetry exactly.
  const env: NodeJS.ProcessEnv = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('OTEL_')));
  Object.assign(env, {
    NODE_ENV: 'production',
    LOG_LEVEL: 'info',
    KONG_DECLARATIVE_CONFIG: kongPath,
    GATEWAY_HOST: '127.0.0.1',
    GATEWAY_PORT: String(port),
    GATEWAY_STATUS_PORT: String(statusPort),
    REDIS_URL: launch.redisUrl,
    OTEL_SERVICE_NAME: 'gateway-bench',
  });
  if (launch.otlpEndpoint) {
    env.OTEL_EXPORTER_OTLP_ENDPOINT = launch.otlpEndpoint;
    env.OTEL_TRACES_EXPORTER = 'otlp';
  } else {
    env.OTEL_SDK_DISABLED = 'true';
  }
  const args = ['--import', '@platform/shared/telemetry/register', 'src/main.ts'];
  if (launch.nodeFlags) args.unshift(...launch.nodeFlags);
  if (launch.cpuProfDir) args.unshift('--cpu-prof', `--cpu-prof-dir=${launch.cpuProfDir}`);
  const child = spawnChild({
    name: `gateway (${launch.label})`,
    command: process.execPath,
    args,
    cwd: fileURLToPath(new URL('gateway/', rootDir)),
    env,
    logFile: join(launch.runDir, `gateway-${launch.label}.log`),
  });
  const statusUrl = `http://127.0.0.1:${statusPort}`;
  try {
    await waitForHttp(child, `${statusUrl}/api/v1/health`, READY_TIMEOUT_MS, 200);
  } catch (err) {
    await child.stop('SIGKILL');
    throw err;
  }
  return { child, url: `http://127.0.0.1:${port}`, statusUrl };
}
