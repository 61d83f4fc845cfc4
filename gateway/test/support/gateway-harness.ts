// Test harness for the gateway: the real gateway, in-process, on free ports, in front of a local
// echo upstream. Plugin tests and core tests use the same three calls:
//
//   import { startEchoUpstream, startGateway } from './support/gateway-harness.ts';
//
//   const upstream = await startEchoUpstream();            // JSON echo of what it receives (see echo-upstream.ts)
//   const gw = await startGateway({
//     config: {                                             // a kong.yml as an object (or kongYaml: '...text...')
//       _format_version: '3.0',
//       services: [{ name: 'echo', url: upstream.url, routes: [{ name: 'r', paths: ['/api'],
//         plugins: [{ name: 'rate-limiting', config: { minute: 2, policy: 'redis' } }] }] }],
//     },
//     env: { REDIS_URL: 'redis://127.0.0.1:6379' },       // any gateway env (GATEWAY_TRUSTED_IPS, …)
//   });
//   const res = await gw.fetch('/api/things', { headers: { authorization: 'Bearer …' } });
//   const echoed = await res.json();                        // { method, url, path, query, headers, body, body_size }
//   upstream.requests.at(-1)                                // what the upstream saw (undefined: never reached it)
//   await gw.close(); await upstream.close();
//
// The config goes through the real loader from a temporary kong.yml (writeKongYaml), so a bad
// config makes startGateway reject with the loader's message, exactly as the gateway's start would.
// `gw.url` is the proxy base (http://127.0.0.1:<port>), `gw.statusUrl` the status listener
// (/status, /metrics, /api/v1/health, /api/v1/ready); `gw.metrics` is this gateway's own
// prom-client registry and `gw.redis` its ioredis client (when REDIS_URL is set). Logs are silent
// unless GATEWAY_TEST_LOGS=1 is in the test process's environment.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import type { Redis } from 'ioredis';
import { stringify } from 'yaml';
import { createLogger } from '@platform/shared/logger';
import { loadGatewayEnv } from '../../src/config.ts';
import { createGateway, type Gateway } from '../../src/app/create-gateway.ts';
import { loadKongConfig } from '../../src/declarative/load-kong-config.ts';
import { createRedisClient, redisReady } from '../../src/app/redis-client.ts';
import type { GatewayConfig } from '../../src/declarative/model.ts';
import type { PluginDefinition } from '../../src/plugins/plugin.ts';

export { startEchoUpstream, type EchoUpstream, type EchoRequest } from './echo-upstream.ts';

export type StartGatewayOptions = {
  /** kong.yml as an object (written as YAML)… */
  config?: Record<string, unknown>;
  /** …or as YAML text. */
  kongYaml?: string;
  /** Gateway env (REDIS_URL, GATEWAY_TRUSTED_IPS, …); ports and KONG_DECLARATIVE_CONFIG are set by the harness. */
  env?: Record<string, string>;
  /** Plugin definitions instead of the registry's (core tests use stand-ins). */
  definitions?: PluginDefinition[];
};

export type TestGateway = {
  url: string;
  statusUrl: string;
  port: number;
  statusPort: number;
  /** The loaded config (services, routes, consumers, plugins with defaults applied). */
  config: GatewayConfig;
  metrics: Registry;
  redis?: Redis;
  gateway: Gateway;
  /** fetch against the proxy: gw.fetch('/api/x', init). */
  fetch(path: string, init?: RequestInit): Promise<Response>;
  close(): Promise<void>;
};

/** Writes kong.yml (object or text) to a fresh temporary directory; returns its path and a cleanup. */
export function writeKongYaml(doc: Record<string, unknown> | string): { path: string; remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'kong-yml-'));
  const path = join(dir, 'kong.yml');
  writeFileSync(path, typeof doc === 'string' ? doc : stringify(doc));
  return { path, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

export async function startGateway(options: StartGatewayOptions): Promise<TestGateway> {
  const doc = options.kongYaml ?? options.config;
  if (doc === undefined) throw new Error('startGateway needs config or kongYaml');
  const file = writeKongYaml(doc);
  try {
    const env = loadGatewayEnv({
      LOG_LEVEL: 'warn',
      ...options.env,
      KONG_DECLARATIVE_CONFIG: file.path,
      GATEWAY_PORT: '0',
      GATEWAY_STATUS_PORT: '0',
      GATEWAY_HOST: '127.0.0.1',
    });
    const logger = createLogger({ service: 'gateway', level: env.LOG_LEVEL, silent: process.env.GATEWAY_TEST_LOGS !== '1' });
    const kong = loadKongConfig(env.KONG_DECLARATIVE_CONFIG, options.definitions && { definitions: options.definitions });
    const redis = env.REDIS_URL ? createRedisClient(env.REDIS_URL, logger) : undefined;
    // Connected, or known to be down (a test may point at a dead Redis on purpose).
    if (redis) await Promise.race([redisReady(redis).catch(() => {}), new Promise((resolve) => redis.once('error', resolve))]);
    const metrics = new Registry();
    const gateway = createGateway({ env, kong, logger, redis, metrics, ...(options.definitions && { definitions: options.definitions }) });
    const { port, statusPort } = await gateway.listen();
    const url = `http://127.0.0.1:${port}`;
    return {
      url,
      statusUrl: `http://127.0.0.1:${statusPort}`,
      port,
      statusPort,
      config: kong.config,
      metrics,
      redis,
      gateway,
      fetch: (path, init) => fetch(url + path, init),
      close: async () => {
        await gateway.close();
        redis?.disconnect();
      },
    };
  } finally {
    file.remove();
  }
}
