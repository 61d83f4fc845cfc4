// The status listener (Kong's status_listen, 8100): /status like Kong's, /metrics (prom-client),
// and the platform's /api/v1/health, /live, /ready.
import express, { type Express } from 'express';
import type { Registry } from 'prom-client';
import { healthRouter, type ReadinessCheck } from '@platform/shared/http';
import type { ServerStats } from './server-stats.ts';

export type StatusDeps = {
  registry: Registry;
  stats: ServerStats;
  configHash: string;
  checks: ReadinessCheck[];
  /** Whether Redis answers (Kong's `database.reachable` has no DB here: Redis is what we depend on). */
  redisReachable: () => boolean | undefined;
};

export function buildStatusApp(deps: StatusDeps): Express {
  const app = express();
  app.disable('x-powered-by');
  app.disable('etag');

  app.get('/status', (_req, res) => {
    const { stats } = deps;
    const memory = process.memoryUsage();
    const redis = deps.redisReachable();
    res.json({
      configuration_hash: deps.configHash,
      server: {
        connections_accepted: stats.connectionsAccepted,
        connections_handled: stats.connectionsAccepted,
        connections_active: stats.connectionsActive,
        connections_reading: 0,
        connections_writing: stats.requestsInFlight,
        connections_waiting: Math.max(0, stats.connectionsActive - stats.requestsInFlight),
        total_requests: stats.requestsTotal,
      },
      database: { reachable: true },
      ...(redis !== undefined && { redis: { reachable: redis } }),
      memory: { rss_bytes: memory.rss, heap_used_bytes: memory.heapUsed, heap_total_bytes: memory.heapTotal, external_bytes: memory.external },
    });
  });

  // Kong's /status/ready: 200 once the configuration is loaded and the dependencies answer.
  app.get('/status/ready', async (_req, res) => {
    const failed: string[] = [];
    await Promise.all(
      deps.checks.map(async ({ name, check }) => {
        try {
          await Promise.race([check(), new Promise((_, reject) => setTimeout(() => reject(new Error('timed out')), 2_000).unref())]);
        } catch {
          failed.push(name);
        }
      }),
    );
    if (failed.length) res.status(503).json({ message: `${failed.join(', ')} unavailable` });
    else res.json({ message: 'ready' });
  });

  const metrics = async (_req: express.Request, res: express.Response) => {
    res.setHeader('content-type', deps.registry.contentType);
    res.send(await deps.registry.metrics());
  };
  app.get('/metrics', metrics);
  app.get('/api/v1/metrics', metrics);
  app.use('/api/v1', healthRouter({ service: 'gateway', checks: deps.checks }));
  return app;
}
