import express, { type Express } from 'express';
import type { Redis } from 'ioredis';
import {
  errorMiddleware, healthRouter, jsonBody, notFound, requestContext, requestLogger, type ReadinessCheck,
} from '@platform/shared/http';
import { createConnectionsRouter } from './http/connections-router.ts';
import { createGuards, type TokenCheck } from './http/guards.ts';
import { createJobsRouter } from './http/jobs-router.ts';
import type { SyncDeps } from './usecases/deps.ts';

export type AppDeps = SyncDeps & {
  redis: Redis;
  auth: Omit<TokenCheck, 'redis'>;
  /** Express "trust proxy"; default loopback. */
  trustProxy?: string | number | boolean;
  /** /ready probes: postgres, redis, rabbitmq. */
  checks: ReadinessCheck[];
  /** How often the job SSE stream looks for progress. */
  jobEventsPollMs?: number;
};

/** The sync service's HTTP app; main.ts listens on it and tests drive it with supertest. */
export function buildApp(deps: AppDeps): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', deps.trustProxy ?? 'loopback');
  app.use(requestContext());
  app.use(requestLogger(deps.logger));
  app.use('/api/v1', healthRouter({ service: 'sync', checks: deps.checks }));
  app.use(jsonBody('100kb'));
  const guards = createGuards({ ...deps.auth, redis: deps.redis });

  // In: connections and jobs (/admin/sync/..., role admin).
  app.use('/api/v1/admin/sync', guards.admin);
  app.use('/api/v1', createConnectionsRouter(deps), createJobsRouter(deps, { pollMs: deps.jobEventsPollMs ?? 1_000 }));

  // Out: the change feed (helper S2) mounts here:
  //   createChangesRouter (src/http/changes-router.ts)             GET /sync/changes (end users)
  //   createStreamRouter (src/http/stream-router.ts)               GET /sync/stream (SSE)
  //   createServicesSyncRouter (src/http/services-sync-router.ts)  GET /services/users/sync (service clients)

  app.use(notFound());
  app.use(errorMiddleware(deps.logger));
  return app;
}
