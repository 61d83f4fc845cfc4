import { z } from 'zod';
import { validate } from './validate.ts';

const paginationQuery = z.object({
  limit: z.coerce.number().int().min(1).max(100).default(20),
  offset: z.coerce.number().int().min(0).max(1_000_000).default(0),
});

/** `?limit=&offset=` with the guide's bounds (limit ≤ 100). */
export function parsePagination(query: unknown): { limit: number; offset: number } {
  const q = (query ?? {}) as Record<string, unknown>;
  return validate(paginationQuery, { limit: q.limit, offset: q.offset }, 'query');
}
