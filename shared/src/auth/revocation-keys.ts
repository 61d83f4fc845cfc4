/**
 * The Redis denylist keys. auth writes them, every service's authenticate() reads them:
 * - `revoked:sid:<sid>` exists → every token of that session is revoked (logout, session deleted);
 * - `revoked:user:<sub>` holds unix seconds T → the user's tokens issued at or before T are revoked
 *   (ban, role change, password change, logout-all).
 * Entries only need to outlive the longest access token.
 */
export const revocationKeys = {
  sessionKey: (sid: string): string => `revoked:sid:${sid}`,
  userKey: (sub: string): string => `revoked:user:${sub}`,
};
