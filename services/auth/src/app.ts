import express, { Router, type Express, type RequestHandler } from 'express';
import type { Redis } from 'ioredis';
import { authenticate, requireUser } from '@platform/shared/auth';
import {
  errorMiddleware, healthRouter, jsonBody, notFound, requestContext, requestLogger, type ReadinessCheck,
} from '@platform/shared/http';
import { createAdminAuditRouter } from './http/admin-audit-router.ts';
import { createEmailVerificationRouter } from './http/email-verification-router.ts';
import { createGuards } from './http/guards.ts';
import { createInternalRouter } from './http/internal-router.ts';
import { createJwksRouter } from './http/jwks-router.ts';
import { createPlatformInfoRouter } from './http/platform-info-router.ts';
import { createPasswordRouter } from './http/password-router.ts';
import { createPublicAuthRouter } from './http/public-auth-router.ts';
import { createSessionsRouter } from './http/sessions-router.ts';
import { createTokenRouter } from './http/token-router.ts';
import type { SigningKeys } from './infra/signing-keys.ts';
import type { AuthDeps } from './usecases/deps.ts';

export type AppDeps = AuthDeps & {
  keys: SigningKeys;
  issuer: string;
  redis: Redis;
  /** Express "trust proxy"; default loopback. */
  trustProxy?: string | number | boolean;
  /** /ready probes: postgres, redis, rabbitmq. */
  checks: ReadinessCheck[];
};

/** The auth service's HTTP app; main.ts listens on it and tests drive it with supertest. */
export function buildApp(deps: AppDeps): Express {
  const app = express();
  app.disable('x-powered-by');
  // X-Forwarded-For is believed only from the gateway's address (loopback by default), so req.ip is the client.
  app.set('trust proxy', deps.trustProxy ?? 'loopback');
  app.use(requestContext());
  app.use(requestLogger(deps.logger));
  app.use('/api/v1', healthRouter({ service: 'auth', checks: deps.checks }));
  const guards = createGuards(deps);
  // Before the 20 kb parser: internal routes authenticate the service first, then read larger bodies.
  app.use('/api/v1', createInternalRouter(deps, guards));
  app.use(jsonBody('20kb'));

  // auth verifies its own tokens with the keys in memory instead of fetching its own JWKS over HTTP.
  // A Router is one handler that runs both in turn.
  const authenticated: RequestHandler = Router().use(
    authenticate({ issuer: deps.issuer, getKey: async (kid) => deps.keys.verification.get(kid), redis: deps.redis }),
    requireUser(),
  );
  app.use('/api/v1',
    createPlatformInfoRouter({ issuer: deps.issuer, jwksPath: '/public/auth/.well-known/jwks.json' }),
    createJwksRouter(deps.keys),
    createPublicAuthRouter(deps, { authenticated }),
    createTokenRouter(deps),
    createSessionsRouter(deps, { authenticated }),
    createPasswordRouter(deps, guards),
    createEmailVerificationRouter(deps, guards),
    createAdminAuditRouter(deps, guards));

  app.use(notFound());
  app.use(errorMiddleware(deps.logger));
  return app;
}
