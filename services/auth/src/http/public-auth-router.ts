import { Router, type RequestHandler } from 'express';
import { sendCreated, sendNoContent, sendOk, validate } from '@platform/shared/http';
import type { AuthDeps } from '../usecases/deps.ts';
import { login } from '../usecases/login.ts';
import { logout, logoutAll } from '../usecases/logout.ts';
import { refresh } from '../usecases/refresh.ts';
import { register } from '../usecases/register.ts';
import { userActor } from './actor.ts';
import { toAuthResultJson } from './presenters.ts';
import { requestMeta } from './request-meta.ts';
import { loginBody, refreshTokenBody, registerBody } from './schemas.ts';

// Responses that carry tokens must never sit in a cache (RFC 6749 §5.1).
const noStore: RequestHandler = (_req, res, next) => {
  res.setHeader('Cache-Control', 'no-store');
  res.setHeader('Pragma', 'no-cache');
  next();
};

/** /public/auth/{register,login,refresh,logout,logout-all}: the session lifecycle. */
export function createPublicAuthRouter(deps: AuthDeps, { authenticated }: { authenticated: RequestHandler }): Router {
  const router = Router();
  router.use('/public/auth', noStore);

  router.post('/public/auth/register', async (req, res) => {
    const body = validate(registerBody, req.body);
    const result = await register(deps, { email: body.email, password: body.password, displayName: body.display_name }, requestMeta(req));
    sendCreated(res, toAuthResultJson(result));
  });

  router.post('/public/auth/login', async (req, res) => {
    const body = validate(loginBody, req.body);
    sendOk(res, toAuthResultJson(await login(deps, body, requestMeta(req))));
  });

  router.post('/public/auth/refresh', async (req, res) => {
    const { refresh_token } = validate(refreshTokenBody, req.body);
    sendOk(res, await refresh(deps, refresh_token, requestMeta(req)));
  });

  router.post('/public/auth/logout', async (req, res) => {
    const { refresh_token } = validate(refreshTokenBody, req.body);
    await logout(deps, refresh_token, requestMeta(req));
    sendNoContent(res);
  });

  router.post('/public/auth/logout-all', authenticated, async (req, res) => {
    await logoutAll(deps, userActor(req).id, requestMeta(req));
    sendNoContent(res);
  });

  return router;
}
