import type { AuditLog } from '../usecases/ports.ts';

// User agents are client-controlled; a cap keeps one request from writing a megabyte into the trail.
const MAX_USER_AGENT = 512;

export function createPgAuditLog(): AuditLog {
  return {
    async record(db, e) {
      await db.query(
        `INSERT INTO auth.audit_log (event, user_id, actor_id, ip, user_agent, details) VALUES ($1, $2, $3, $4, $5, $6)`,
        [e.event, e.userId ?? null, e.actorId ?? null, e.meta.ip, e.meta.userAgent?.slice(0, MAX_USER_AGENT) ?? null, JSON.stringify(e.details ?? {})]);
    },
    async recordMany(db, entries) {
      if (entries.length === 0) return;
      await db.query(
        `INSERT INTO auth.audit_log (event, user_id, actor_id, ip, user_agent, details)
           SELECT * FROM unnest($1::text[], $2::uuid[], $3::text[], $4::inet[], $5::text[], $6::jsonb[])`,
        [entries.map((e) => e.event), entries.map((e) => e.userId ?? null), entries.map((e) => e.actorId ?? null), entries.map((e) => e.meta.ip),
          entries.map((e) => e.meta.userAgent?.slice(0, MAX_USER_AGENT) ?? null), entries.map((e) => JSON.stringify(e.details ?? {}))]);
    },
  };
}
