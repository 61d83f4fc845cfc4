import type { Connection } from '../domain/connection.ts';
import type { Job } from '../domain/job.ts';
import type { JobErrorRow } from '../usecases/ports.ts';
import type { Preview } from '../usecases/preview-connection.ts';

const iso = (d: Date | null) => (d ? d.toISOString() : null);

/** Never the secrets themselves: only whether there are some and their names. */
export const toConnectionJson = (c: Connection) => ({
  id: c.id,
  name: c.name,
  provider: c.provider,
  settings: c.settings,
  has_secrets: c.secretKeys.length > 0,
  secret_keys: c.secretKeys,
  schedule: c.schedule,
  enabled: c.enabled,
  cursor: c.cursor,
  last_full_run_at: iso(c.lastFullRunAt),
  created_at: iso(c.createdAt),
  updated_at: iso(c.updatedAt),
  created_by: c.createdBy,
  updated_by: c.updatedBy,
  version: c.version,
});

export const toJobJson = (j: Job) => ({
  id: j.id,
  connection_id: j.connectionId,
  trigger: j.trigger,
  mode: j.mode,
  status: j.status,
  counts: j.counts,
  pages: j.pages,
  cursor: j.cursor,
  error: j.error,
  paused: j.pausedUntil !== null && j.status === 'running',
  paused_until: iso(j.pausedUntil),
  pause_reason: j.pauseReason,
  attempts: j.attempts,
  cancel_requested: j.cancelRequested,
  requested_by: j.requestedBy,
  created_at: iso(j.createdAt),
  started_at: iso(j.startedAt),
  finished_at: iso(j.finishedAt),
  heartbeat_at: iso(j.heartbeatAt),
});

export const toJobErrorJson = (e: JobErrorRow) => ({
  id: e.id,
  record_ref: e.recordRef,
  field: e.field,
  message: e.message,
  raw: e.raw,
  created_at: iso(e.createdAt),
});

export const toPreviewJson = (p: Preview) => ({
  fetched: p.fetched,
  has_more: p.hasMore,
  users: p.users.map((u) => ({
    external_id: u.externalId, email: u.email, display_name: u.displayName, first_name: u.firstName, last_name: u.lastName, locale: u.locale, timezone: u.timezone,
  })),
  errors: p.errors.map((e) => ({ record_ref: e.recordRef, field: e.field, message: e.message, raw: e.raw })),
});
