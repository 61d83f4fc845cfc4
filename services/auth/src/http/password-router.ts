import { Router } from 'express';
import { sendOk, validate } from '@platform/shared/http';
import type { AuthDeps } from '../usecases/deps.ts';
import { changePassword } from '../usecases/change-password.ts';
import { requestPasswordReset } from '../usecases/request-password-reset.ts';
import { resetPassword } from '../usecases/reset-password.ts';
import { changePasswordBody, forgotPasswordBody, resetPasswordBody } from './account-schemas.ts';
import { userActor } from './actor.ts';
import type { Guards } from './guards.ts';
import { toUserJson } from './presenters.ts';
import { requestMeta } from './request-meta.ts';

/** The one answer forgot-password gives, account or not. */
export const RESET_REQUESTED = { message: 'If an active account uses this email, a password reset link has been sent to it' };

/** /public/auth/{forgot-password,reset-password} and /auth/change-password. */
export function createPasswordRouter(deps: AuthDeps, guards: Guards): Router {
  const router = Router();

  router.post('/public/auth/forgot-password', async (req, res) => {
    const { email } = validate(forgotPasswordBody, req.body);
    await requestPasswordReset(deps, email, requestMeta(req));
    sendOk(res, RESET_REQUESTED, 202);
  });

  router.post('/public/auth/reset-password', async (req, res) => {
    const body = validate(resetPasswordBody, req.body);
    const user = await resetPassword(deps, body, requestMeta(req));
    sendOk(res, { user: toUserJson(user) });
  });

  router.post('/auth/change-password', guards.user, async (req, res) => {
    const actor = userActor(req);
    const body = validate(changePasswordBody, req.body);
    const { user, sessionsRevoked } = await changePassword(
      deps, actor, { currentPassword: body.current_password, newPassword: body.new_password }, requestMeta(req));
    sendOk(res, { user: toUserJson(user), sessions_revoked: sessionsRevoked });
  });

  return router;
}
