import express, { type Express } from 'express';
import type { Redis } from 'ioredis';
import { createGuards, type KeyResolver } from '@platform/shared/auth';
import {
  errorMiddleware, healthRouter, jsonBody, notFound, requestContext, requestLogger, type ReadinessCheck,
} from '@platform/shared/http';
import { createAdminRouter } from './http/admin-router.ts';
import { createDirectoryRouter } from './http/directory-router.ts';
import { createInternalBatchRouter } from './http/internal-batch-router.ts';
import { createInternalRouter } from './http/internal-router.ts';
import { createProfileRouter } from './http/profile-router.ts';
import { createServicesRouter } from './http/services-router.ts';
import { createUsersRouter } from './http/users-router.ts';
import type { UserDeps } from './usecases/deps.ts';

export type AppDeps = UserDeps & {
  /** Access tokens: auth's issuer and JWKS (or a key resolver of one's own). */
  tokens: { issuer: string; jwksUrl?: string; getKey?: KeyResolver };
  /** The revocation list lives here. */
  redis: Redis;
  /** Express "trust proxy"; default loopback. */
  trustProxy?: string | number | boolean;
  /** /ready probes: postgres, redis, rabbitmq, auth. */
  checks: ReadinessCheck[];
};

/** The user service's HTTP app; main.ts listens on it and tests drive it with supertest. */
export function buildApp(deps: AppDeps): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', deps.trustProxy ?? 'loopback');
  // ETags here are versions set by the routes; Express's body-hash ETags would disagree with them.
  app.set('etag', false);
  app.use(requestContext());
  app.use(requestLogger(deps.logger));
  app.use('/api/v1', healthRouter({ service: 'user', checks: deps.checks }));
  const guards = createGuards({ ...deps.tokens, redis: deps.redis });
  // Before the 100 kb parser: internal routes authenticate the service first, then read larger bodies.
  app.use('/api/v1', createInternalRouter(deps, guards));
  app.use('/api/v1', createInternalBatchRouter(deps, guards), createServicesRouter(deps, guards));
  app.use(jsonBody('100kb'));

  app.use('/api/v1',
    createProfileRouter(deps, guards),
    createUsersRouter(deps, guards),
    createDirectoryRouter(deps, guards),
    createAdminRouter(deps, guards),
  );

  app.use(notFound());
  app.use(errorMiddleware(deps.logger));
  return app;
}
