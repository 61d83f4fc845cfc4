import { z } from 'zod';

export const idParams = z.object({ id: z.uuid() }).strict();
export const userIdParams = z.object({ user_id: z.uuid() }).strict();

export const listQuery = z
  .object({
    limit: z.unknown().optional(),
    offset: z.unknown().optional(),
    owner_id: z.uuid().optional(),
    sort: z.enum(['created_at', 'name', 'size']).default('created_at'),
    order: z.enum(['asc', 'desc']).default('desc'),
  })
  .strict();

export const renameBody = z.object({ name: z.string().trim().min(1).max(1024) }).strict();

export const quotaBody = z
  .object({ limit_bytes: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER).nullable() })
  .strict();

/** `W/"3"` or `"3"` → 3; anything else → undefined (a stale-or-garbage If-Match is then a 412). */
export function versionFromEtag(header: string | undefined): number | 'invalid' | undefined {
  if (header === undefined || header.trim() === '' || header.trim() === '*') return undefined;
  const m = /^\s*(?:W\/)?"(\d{1,9})"\s*$/.exec(header);
  return m ? Number(m[1]) : 'invalid';
}
