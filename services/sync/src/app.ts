import express, { type Express } from 'express';
import type { Redis } from 'ioredis';
import { createGuards, type TokenCheck } from '@platform/shared/auth';
import {
  errorMiddleware, healthRouter, jsonBody, notFound, requestContext, requestLogger, type ReadinessCheck,
} from '@platform/shared/http';
import type { ChangeFeed } from './change-feed-wiring.ts';
import { createChangesRouter } from './http/changes-router.ts';
import { createConnectionsRouter } from './http/connections-router.ts';
import { createJobsRouter } from './http/jobs-router.ts';
import { createChangeStreams } from './http/stream-router.ts';
import type { SyncDeps } from './usecases/deps.ts';

export type AppDeps = SyncDeps & {
  redis: Redis;
  auth: Omit<TokenCheck, 'redis'>;
  /** Express "trust proxy"; default loopback. */
  trustProxy?: string | number | boolean;
  /** The change feed's routes (/sync/changes, /sync/stream, /services/users/sync) are mounted when given. */
  changeFeed?: ChangeFeed;
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

  // Out: the change feed: GET /sync/changes, /sync/stream (end users, their own changes) and
  // GET /services/users/sync, /services/users/sync/stream (service accounts, every user's).
  if (deps.changeFeed) {
    app.use('/api/v1', createChangesRouter(deps.changeFeed, guards), createChangeStreams(deps.changeFeed, guards, deps.changeFeed.stream).router);
  }

  app.use(notFound());
  app.use(errorMiddleware(deps.logger));
  return app;
}
