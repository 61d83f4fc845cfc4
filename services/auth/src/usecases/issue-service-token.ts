import { AUDIT_EVENTS, type RequestMeta } from '../domain/audit-events.ts';
import { authErrors } from '../domain/auth-errors.ts';
import type { AuthDeps } from './deps.ts';

export type ClientCredentials = { clientId: string; clientSecret: string; viaBasicAuth: boolean };

/** OAuth 2.0 client_credentials: a short-lived access token with role `service`, no session, no refresh token. */
export async function issueServiceToken(
  deps: Pick<AuthDeps, 'db' | 'serviceAccounts' | 'hasher' | 'signer' | 'audit'>,
  creds: ClientCredentials,
  meta: RequestMeta,
): Promise<{ access_token: string; token_type: 'Bearer'; expires_in: number }> {
  const account = await deps.serviceAccounts.findByClientId(deps.db, creds.clientId);
  // argon2 verify both compares in constant time and, against a dummy hash, hides unknown client ids.
  const ok = await deps.hasher.verify(account?.secretHash ?? null, creds.clientSecret);
  if (!account || !ok) {
    await deps.audit.record(deps.db, { event: AUDIT_EVENTS.serviceTokenDenied, meta, details: { client_id: creds.clientId.slice(0, 64) } });
    throw authErrors.invalidClient(creds.viaBasicAuth);
  }
  const access = deps.signer.signServiceToken({ clientId: account.clientId });
  await deps.audit.record(deps.db, {
    event: AUDIT_EVENTS.serviceTokenIssued, actorId: `service:${account.clientId}`, meta, details: { client_id: account.clientId, jti: access.jti },
  });
  return { access_token: access.token, token_type: 'Bearer', expires_in: access.expiresIn };
}
