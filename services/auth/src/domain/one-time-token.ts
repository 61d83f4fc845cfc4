/** A single-use link token as stored: only its digest exists server-side. */
export type OneTimeToken = {
  id: string;
  userId: string;
  purpose: 'verify_email' | 'reset_password' | 'set_password';
  createdAt: Date;
  expiresAt: Date;
  usedAt: Date | null;
  /** Set when a newer link of the same purpose (or an email change) replaced it before use. */
  invalidatedAt: Date | null;
};

export type OneTimeTokenState = 'usable' | 'used' | 'superseded' | 'expired';

/** Used and superseded win over expired: the client learns the most useful reason first. */
export function oneTimeTokenState(t: Pick<OneTimeToken, 'usedAt' | 'invalidatedAt' | 'expiresAt'>, now: Date): OneTimeTokenState {
  if (t.usedAt) return 'used';
  if (t.invalidatedAt) return 'superseded';
  if (t.expiresAt.getTime() <= now.getTime()) return 'expired';
  return 'usable';
}
