// The user service's view of auth's internal API (guide §9): use cases depend on this port,
// infra/clients/auth-client.ts implements it with the shared breaker client.

export type IdentityRole = 'user' | 'admin';
export type IdentityStatus = 'active' | 'banned' | 'deleted';

/** Role, status and email are owned by auth first: a change lands there before it lands here. */
export type IdentityChange = { role?: IdentityRole; status?: IdentityStatus; email?: string };

export type Identity = {
  id: string;
  email: string;
  displayName: string;
  role: IdentityRole;
  status: IdentityStatus;
  emailVerified: boolean;
  createdAt: Date;
};

export type Invitee = { email: string; displayName: string; role?: IdentityRole };
export type InviteSource = 'admin' | 'sync' | 'service';

/** One item of auth's POST /internal/users answer, in the order asked. */
export type InviteOutcome =
  | { index: number; email: string; status: 'created' | 'exists'; id: string }
  | { index: number; email: string; status: 'invalid'; error: { code: string; message: string; details?: unknown } };

export type DailyLogins = { date: string; userId: string; logins: number };

export type IdentityProvider = {
  /** PATCH /internal/users/:id. auth revokes sessions on a ban, a deletion or a role change. */
  updateIdentity(id: string, change: IdentityChange): Promise<Identity>;
  /** POST /internal/users: creates identities without a password and mails each an invitation; idempotent on email. */
  invite(invitees: Invitee[], opts: { source: InviteSource; invitedBy: string | null }): Promise<InviteOutcome[]>;
  /** GET /internal/logins/daily, one page (limit ≤ 100), ordered by date then user; a short page is the last. */
  dailyLogins(range: { from: string; to: string }, page: { limit: number; offset: number }): Promise<DailyLogins[]>;
};
