import { generateOpaqueToken, hashToken } from '../domain/opaque-token.ts';
import type { RequestMeta } from '../domain/audit-events.ts';
import type { User } from '../domain/user.ts';
import type { AuthDeps } from './deps.ts';
import type { Tx } from './ports.ts';

export type SessionTokens = {
  access_token: string;
  refresh_token: string;
  token_type: 'Bearer';
  expires_in: number;
};

type Deps = Pick<AuthDeps, 'sessions' | 'signer' | 'settings' | 'now'>;

/** Opens a session (a new refresh-token family) inside the caller's transaction and signs its first access token. */
export async function openSession(deps: Deps, tx: Tx, user: User, meta: RequestMeta): Promise<{ sessionId: string; tokens: SessionTokens }> {
  const expiresAt = new Date(deps.now().getTime() + deps.settings.refreshTokenTtlS * 1000);
  const session = await deps.sessions.create(tx, { userId: user.id, ip: meta.ip, userAgent: meta.userAgent, expiresAt });
  const refreshToken = generateOpaqueToken();
  await deps.sessions.addRefreshToken(tx, session.id, hashToken(refreshToken));
  const access = deps.signer.signUserToken({ userId: user.id, role: user.role, sessionId: session.id });
  return {
    sessionId: session.id,
    tokens: { access_token: access.token, refresh_token: refreshToken, token_type: 'Bearer', expires_in: access.expiresIn },
  };
}
