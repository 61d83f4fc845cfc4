import type { Session } from '../domain/session.ts';
import type { User } from '../domain/user.ts';
import type { SessionTokens } from '../usecases/session-tokens.ts';

export const toUserJson = (u: User) => ({
  id: u.id,
  email: u.email,
  display_name: u.displayName,
  role: u.role,
  email_verified: u.emailVerified,
});

export const toAuthResultJson = ({ user, tokens }: { user: User; tokens: SessionTokens }) => ({ user: toUserJson(user), ...tokens });

export const toSessionJson = (s: Session, currentSessionId: string | undefined) => ({
  id: s.id,
  ip: s.ip,
  user_agent: s.userAgent,
  created_at: s.createdAt.toISOString(),
  last_used_at: s.lastUsedAt.toISOString(),
  expires_at: s.expiresAt.toISOString(),
  current: s.id === currentSessionId,
});
