import type { StoredFile } from '../domain/file.ts';
import type { QuotaView } from '../usecases/manage-quotas.ts';

/** The upload answer (platform.md §4) plus the rest of the metadata. */
export const toFileJson = (f: StoredFile) => ({
  id: f.id,
  name: f.name,
  original_name: f.originalName,
  size: f.size,
  content_type: f.contentType,
  sha256: f.sha256,
  owner_id: f.ownerId,
  download_count: f.downloadCount,
  last_downloaded_at: f.lastDownloadedAt?.toISOString() ?? null,
  created_at: f.createdAt.toISOString(),
  updated_at: f.updatedAt.toISOString(),
  version: f.version,
});

export const toQuotaJson = (q: QuotaView) => ({
  user_id: q.userId,
  limit_bytes: q.limitBytes,
  effective_limit_bytes: q.effectiveLimitBytes,
  used_bytes: q.usedBytes,
  reserved_bytes: q.reservedBytes,
  available_bytes: Math.max(0, q.effectiveLimitBytes - q.usedBytes - q.reservedBytes),
});
