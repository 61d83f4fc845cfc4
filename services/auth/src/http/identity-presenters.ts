import type { AuditRecord, DailyLogins } from '../domain/audit-record.ts';
import type { User } from '../domain/user.ts';

/** An identity as other services see it (internal routes). */
export const toIdentityJson = (u: User) => ({
  id: u.id,
  email: u.email,
  display_name: u.displayName,
  role: u.role,
  status: u.status,
  email_verified: u.emailVerified,
  created_at: u.createdAt.toISOString(),
});

export const toAuditRecordJson = (r: AuditRecord) => ({
  id: r.id,
  event: r.event,
  user_id: r.userId,
  actor_id: r.actorId,
  ip: r.ip,
  user_agent: r.userAgent,
  details: r.details,
  created_at: r.createdAt.toISOString(),
});

export const toDailyLoginsJson = (d: DailyLogins) => ({ date: d.date, user_id: d.userId, logins: d.logins });
