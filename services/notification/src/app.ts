import express, { type Express, type Router } from 'express';
import { createGuards, type Guards, type TokenCheck } from '@platform/shared/auth';
import { errorMiddleware, healthRouter, jsonBody, notFound, requestContext, requestLogger, type ReadinessCheck } from '@platform/shared/http';
import { createDeadLettersRouter } from './http/dead-letters-router.ts';
import { createPreferencesRouter } from './http/preferences-router.ts';
import type { ConsumerQueues } from './usecases/dead-letters.ts';
import type { NotificationDeps } from './usecases/deps.ts';
import type { DeadLetterStore } from './usecases/ports.ts';

export type AppDeps = NotificationDeps & {
  auth: TokenCheck;
  /** The DLQ admin routes read and replay through it. */
  deadLetters: DeadLetterStore;
  /** The consumers' queues by id (verify-email → notification.verify-email), for the DLQ routes. */
  queues: ConsumerQueues;
  /** Extra routers (N2: inbox, stream, webhooks), mounted under /api/v1 after the core ones. */
  routers?: (guards: Guards) => Router[];
  trustProxy?: string | number | boolean;
  /** /ready probes: postgres, redis, rabbitmq, smtp. */
  checks: ReadinessCheck[];
};

/** The notification service's HTTP app; main.ts listens on it and tests drive it with supertest. */
export function buildApp(deps: AppDeps): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', deps.trustProxy ?? 'loopback');
  app.use(requestContext());
  app.use(requestLogger(deps.logger));
  app.use('/api/v1', healthRouter({ service: 'notification', checks: deps.checks }));
  app.use(jsonBody('64kb'));
  const guards = createGuards(deps.auth);
  app.use('/api/v1',
    createPreferencesRouter(deps, guards),
    createDeadLettersRouter(deps, guards),
    ...(deps.routers?.(guards) ?? []));
  app.use(notFound());
  app.use(errorMiddleware(deps.logger));
  return app;
}
