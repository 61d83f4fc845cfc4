import { Router } from 'express';
import { AppError } from '@platform/shared/errors';
import { formBody, sendOk, validate } from '@platform/shared/http';
import { authErrors } from '../domain/auth-errors.ts';
import type { AuthDeps } from '../usecases/deps.ts';
import { issueServiceToken, type ClientCredentials } from '../usecases/issue-service-token.ts';
import { requestMeta } from './request-meta.ts';
import { tokenRequestBody } from './schemas.ts';

const invalidRequest = (message: string, field: string) =>
  new AppError('VAL_001', message, { details: [{ field, issue: 'invalid_request', message }] });

/** client_secret_basic: "Basic base64(urlencode(id):urlencode(secret))" (RFC 6749 §2.3.1). */
function basicCredentials(header: string | undefined): { clientId: string; clientSecret: string } | null {
  if (!header?.toLowerCase().startsWith('basic ')) return null;
  const decoded = Buffer.from(header.slice(6).trim(), 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 1) throw invalidRequest('Malformed Basic authorization header', 'authorization');
  try {
    return { clientId: decodeURIComponent(decoded.slice(0, colon)), clientSecret: decodeURIComponent(decoded.slice(colon + 1)) };
  } catch {
    throw invalidRequest('Malformed Basic authorization header', 'authorization');
  }
}

/** POST /public/auth/token: OAuth 2.0 client_credentials, form or JSON body, errors in our envelope. */
export function createTokenRouter(deps: AuthDeps): Router {
  const router = Router();

  router.post('/public/auth/token', formBody(), async (req, res) => {
    res.setHeader('Cache-Control', 'no-store');
    res.setHeader('Pragma', 'no-cache');
    const body = validate(tokenRequestBody, req.body);
    if (body.grant_type !== 'client_credentials') throw authErrors.unsupportedGrant(body.grant_type);

    const basic = basicCredentials(req.get('authorization'));
    if (basic && (body.client_id !== undefined || body.client_secret !== undefined)) {
      throw invalidRequest('Use either HTTP Basic or body credentials, not both', 'client_id');
    }
    const creds: ClientCredentials | null = basic
      ? { ...basic, viaBasicAuth: true }
      : body.client_id !== undefined && body.client_secret !== undefined
        ? { clientId: body.client_id, clientSecret: body.client_secret, viaBasicAuth: false }
        : null;
    if (!creds) throw invalidRequest(`Missing ${body.client_id === undefined ? 'client_id' : 'client_secret'}`, body.client_id === undefined ? 'client_id' : 'client_secret');

    sendOk(res, await issueServiceToken(deps, creds, requestMeta(req)));
  });

  return router;
}
