import express, { Router, type Express } from 'express';
import type { Redis } from 'ioredis';
import { authenticate, requireUser, type KeyResolver } from '@platform/shared/auth';
import {
  errorMiddleware, healthRouter, jsonBody, notFound, requestContext, requestLogger, type ReadinessCheck,
} from '@platform/shared/http';
import { createFilesRouter } from './http/files-router.ts';
import { createInternalRouter } from './http/internal-router.ts';
import { createQuotasRouter } from './http/quotas-router.ts';
import { createLinksRouter } from './http/links-router.ts';
import { createPublicFilesRouter } from './http/public-files-router.ts';
import { createUploadsRouter } from './http/uploads-router.ts';
import type { Transfers } from './transfers.ts';
import type { FileDeps } from './usecases/deps.ts';

export type AppDeps = FileDeps & {
  /** Expected `iss` of access tokens. */
  issuer: string;
  /** auth's JWKS; tests pass getKey instead. */
  jwksUrl?: string;
  getKey?: KeyResolver;
  /** The revocation list (logout, ban take effect at once). */
  redis: Redis;
  /** Express "trust proxy"; default loopback. */
  trustProxy?: string | number | boolean;
  /** /ready probes: postgres, redis, rabbitmq, storage. */
  checks: ReadinessCheck[];
  /** tus uploads, signed links and the public link route (transfers.ts); left out, those routes do not exist. */
  transfers?: Transfers;
};

/** The file service's HTTP app; main.ts listens on it and tests drive it with supertest. */
export function buildApp(deps: AppDeps): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', deps.trustProxy ?? 'loopback');
  app.set('etag', false);
  app.use(requestContext());
  app.use(requestLogger(deps.logger));
  app.use('/api/v1', healthRouter({ service: 'file', checks: deps.checks }));

  // Everything below needs an end user's access token (service accounts get 403).
  const authenticated = Router().use(
    authenticate({
      issuer: deps.issuer,
      ...(deps.getKey ? { getKey: deps.getKey } : { jwksUrl: deps.jwksUrl }),
      redis: deps.redis,
    }),
    requireUser(),
  );
  // /internal/files/{id}/content for service accounts (the sync service's CSV imports), before the end-user guard.
  app.use('/api/v1', createInternalRouter(deps));
  const { transfers } = deps;
  // Signed links need no token; tus streams its own bodies and lets OPTIONS through without one.
  if (transfers) app.use('/api/v1', createPublicFilesRouter({ ...deps, ...transfers.links }), createUploadsRouter(transfers.uploads, transfers.tus, { authenticated }));
  // Multipart bodies are streamed by the upload route; only JSON bodies (rename, quota) are parsed, and small.
  app.use('/api/v1', authenticated, jsonBody('20kb'), createQuotasRouter(deps), createFilesRouter(deps), ...(transfers ? [createLinksRouter(transfers.links)] : []));

  app.use(notFound());
  app.use(errorMiddleware(deps.logger));
  return app;
}
