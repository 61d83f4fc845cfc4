// Builds the gateway from a loaded config: router, plugins, upstream pools, the proxy listener
// (Express, one handler) and the status listener. main.ts and the test harness both use this.
import { createServer, ServerResponse, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import express from 'express';
import type { Redis } from 'ioredis';
import type { Registry } from 'prom-client';
import type { Logger } from '@platform/shared/logger';
import { closeServer } from '@platform/shared/http';
import type { GatewayEnv } from '../config.ts';
import type { LoadedKongConfig } from '../declarative/load-kong-config.ts';
import type { PluginDefinition } from '../plugins/plugin.ts';
import { pluginDefinitions } from '../plugins/registry.ts';
import { createPluginRunner } from '../plugins/runner.ts';
import { createRequestHandler } from '../proxy/handle-request.ts';
import { createUpstreams, type Upstreams } from '../proxy/upstreams.ts';
import { createRouter } from '../router/router.ts';
import { trackServer } from '../status/server-stats.ts';
import { buildStatusApp } from '../status/status-app.ts';
import { publicHealthRoute } from './public-health.ts';

export type GatewayDeps = {
  env: GatewayEnv;
  kong: LoadedKongConfig | Omit<LoadedKongConfig, 'path'>;
  logger: Logger;
  redis?: Redis;
  metrics: Registry;
  definitions?: readonly PluginDefinition[];
};

export type Gateway = {
  proxyServer: Server;
  statusServer: Server;
  upstreams: Upstreams;
  /** Listens on GATEWAY_PORT and GATEWAY_STATUS_PORT (0: any free port); resolves with the ports. */
  listen(): Promise<{ port: number; statusPort: number }>;
  /** Stops accepting, lets in-flight requests finish, closes pools and breakers. */
  close(): Promise<void>;
};

// Node's defaults are lenient (guide §12). No requestTimeout on the proxy: multi-GB uploads and SSE
// streams are legitimate; slow clients are bounded by the headers timeout and the service timeouts.
const PROXY_LIMITS = { maxHeaderSize: 16 * 1024 };
const HEADERS_TIMEOUT_MS = 15_000;
const KEEP_ALIVE_TIMEOUT_MS = 60_000;
const CLOSE_GRACE_MS = 5_000;

export function createGateway(deps: GatewayDeps): Gateway {
  const { env, kong, logger, redis, metrics } = deps;
  const { config } = kong;
  const upstreams = createUpstreams(
    config.services,
    {
      errorThresholdPercentage: env.GATEWAY_BREAKER_ERROR_PERCENT,
      volumeThreshold: env.GATEWAY_BREAKER_VOLUME_THRESHOLD,
      resetTimeoutMs: env.GATEWAY_BREAKER_RESET_TIMEOUT_MS,
      rollingWindowMs: env.GATEWAY_BREAKER_WINDOW_MS,
    },
    metrics,
    logger,
  );
  const runner = createPluginRunner(config, deps.definitions ?? pluginDefinitions, {
    logger,
    ...(redis && { redis }),
    consumers: config.index,
    metrics,
  });
  const handle = createRequestHandler({
    router: createRouter(config.routes, config.services),
    runner,
    upstreams,
    trustedIps: env.GATEWAY_TRUSTED_IPS,
    logger,
    ownRoutes: new Map([publicHealthRoute()]),
  });

  const app = express();
  app.disable('x-powered-by');
  app.disable('etag');
  app.use((req, res) => handle(req, res));

  const proxyServer = createServer(PROXY_LIMITS, app);
  proxyServer.headersTimeout = HEADERS_TIMEOUT_MS;
  proxyServer.requestTimeout = 0;
  proxyServer.keepAliveTimeout = KEEP_ALIVE_TIMEOUT_MS;
  // Upgraded sockets leave the server's bookkeeping: close() ends them itself.
  const upgraded = new Set<Socket>();
  proxyServer.on('upgrade', (req: IncomingMessage, socket: Socket, head: Buffer) => {
    socket.on('error', () => socket.destroy());
    upgraded.add(socket);
    socket.once('close', () => upgraded.delete(socket));
    // An upgrade has no ServerResponse; one bound to the socket lets plugins and errors answer as usual.
    const res = new ServerResponse(req);
    res.assignSocket(socket);
    res.shouldKeepAlive = false;
    handle(req, res, { socket, head });
  });
  proxyServer.on('clientError', (err: NodeJS.ErrnoException, socket: Socket) => {
    if (!socket.writable) return void socket.destroy();
    const status = err.code === 'HPE_HEADER_OVERFLOW' ? 431 : err.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 408 : 400;
    socket.end(`HTTP/1.1 ${status} ${status === 431 ? 'Request Header Fields Too Large' : status === 408 ? 'Request Timeout' : 'Bad Request'}\r\nconnection: close\r\ncontent-length: 0\r\n\r\n`);
  });
  const stats = trackServer(proxyServer, metrics);

  const statusApp = buildStatusApp({
    registry: metrics,
    stats,
    configHash: kong.hash,
    checks: redis ? [{ name: 'redis', check: () => redis.ping() }] : [],
    redisReachable: () => (redis ? redis.status === 'ready' : undefined),
  });
  const statusServer = createServer(PROXY_LIMITS, statusApp);
  statusServer.headersTimeout = HEADERS_TIMEOUT_MS;
  statusServer.requestTimeout = 30_000;

  const listenOn = (server: Server, port: number) =>
    new Promise<number>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, env.GATEWAY_HOST, () => {
        server.off('error', reject);
        resolve((server.address() as AddressInfo).port);
      });
    });

  return {
    proxyServer,
    statusServer,
    upstreams,
    async listen() {
      const port = await listenOn(proxyServer, env.GATEWAY_PORT);
      const statusPort = await listenOn(statusServer, env.GATEWAY_STATUS_PORT);
      logger.info('gateway listening', { port, status_port: statusPort, routes: config.routes.length, services: config.services.length, plugins: config.plugins.length });
      return { port, statusPort };
    },
    async close() {
      for (const socket of upgraded) socket.destroy();
      // In-flight requests get a grace period; long streams (SSE, downloads) are cut after it.
      const force = setTimeout(() => {
        proxyServer.closeAllConnections();
        statusServer.closeAllConnections();
      }, CLOSE_GRACE_MS);
      await Promise.all([closeServer(proxyServer), closeServer(statusServer)].map((p) => p.catch(() => {})));
      clearTimeout(force);
      upstreams.close();
    },
  };
}
