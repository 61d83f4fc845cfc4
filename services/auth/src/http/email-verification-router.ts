import { Router } from 'express';
import { sendOk, validate } from '@platform/shared/http';
import type { AuthDeps } from '../usecases/deps.ts';
import { resendVerificationByEmail, resendVerificationForUser, verifyEmail } from '../usecases/verify-email.ts';
import { emptyBody, resendVerificationBody, verifyEmailBody } from './account-schemas.ts';
import { userActor } from './actor.ts';
import type { Guards } from './guards.ts';
import { toUserJson } from './presenters.ts';
import { requestMeta } from './request-meta.ts';

/** The one answer the anonymous resend gives, account or not. */
export const VERIFICATION_REQUESTED = { message: 'If an unverified account uses this email, a verification link has been sent to it' };

/** /public/auth/verify-email and /public/auth/verify-email/resend (signed in, or by email). */
export function createEmailVerificationRouter(deps: AuthDeps, guards: Guards): Router {
  const router = Router();

  router.post('/public/auth/verify-email', async (req, res) => {
    const { token } = validate(verifyEmailBody, req.body);
    sendOk(res, { user: toUserJson(await verifyEmail(deps, token, requestMeta(req))) });
  });

  router.post('/public/auth/verify-email/resend', guards.optionalUser, async (req, res) => {
    if (req.actor) {
      validate(emptyBody, req.body ?? {});
      await resendVerificationForUser(deps, userActor(req).id, requestMeta(req));
      sendOk(res, { message: 'A new verification link has been sent' }, 202);
      return;
    }
    const { email } = validate(resendVerificationBody, req.body);
    await resendVerificationByEmail(deps, email, requestMeta(req));
    sendOk(res, VERIFICATION_REQUESTED, 202);
  });

  return router;
}
