export type Session = {
  id: string;
  userId: string;
  ip: string | null;
  userAgent: string | null;
  createdAt: Date;
  lastUsedAt: Date;
  expiresAt: Date;
  revokedAt: Date | null;
  revokeReason: string | null;
};

export type RefreshToken = {
  id: string;
  sessionId: string;
  createdAt: Date;
  usedAt: Date | null;
  replacedBy: string | null;
};

export const REVOKE_REASONS = {
  logout: 'logout',
  logoutAll: 'logout_all',
  userRevoked: 'user_revoked',
  refreshReuse: 'refresh_reuse',
  passwordChanged: 'password_changed',
  passwordReset: 'password_reset',
  banned: 'banned',
  roleChanged: 'role_changed',
  deleted: 'deleted',
} as const;
export type RevokeReason = (typeof REVOKE_REASONS)[keyof typeof REVOKE_REASONS];

/** A rotated token presented again within the grace window is a second tab, not a thief. */
export function isWithinGrace(usedAt: Date, now: Date, graceSeconds: number): boolean {
  return now.getTime() - usedAt.getTime() <= graceSeconds * 1000;
}

export const isSessionActive = (s: Pick<Session, 'revokedAt' | 'expiresAt'>, now: Date): boolean =>
  s.revokedAt === null && s.expiresAt.getTime() > now.getTime();
