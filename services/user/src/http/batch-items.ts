import type { z } from 'zod';
import { isAppError } from '@platform/shared/errors';
import { zodToAppError } from '@platform/shared/http';
import type { ItemError } from '../usecases/admin/service-batches.ts';

export type CheckedItems<T> = { valid: (T & { index: number })[]; invalid: { index: number; status: 'invalid'; error: ItemError }[] };

/**
 * Checks each item of a batch on its own: a bad item (schema, or an AppError thrown by `map`)
 * becomes an `invalid` result, the rest go on.
 */
export function checkItems<S extends z.ZodType, T>(items: unknown[], schema: S, map: (item: z.infer<S>) => T): CheckedItems<T> {
  const out: CheckedItems<T> = { valid: [], invalid: [] };
  items.forEach((raw, index) => {
    const parsed = schema.safeParse(raw);
    if (!parsed.success) {
      const err = zodToAppError(parsed.error, 'item', raw ?? {});
      out.invalid.push({ index, status: 'invalid', error: { code: err.code, message: err.message, details: err.options.details } });
      return;
    }
    try {
      out.valid.push({ ...map(parsed.data), index });
    } catch (err) {
      if (!isAppError(err)) throw err;
      out.invalid.push({ index, status: 'invalid', error: { code: err.code, message: err.message, details: err.options.details } });
    }
  });
  return out;
}

/** The per-item answer of a batch route: results by index and a count per status. */
export function batchAnswer<R extends { index: number; status: string }>(results: R[]) {
  const sorted = [...results].sort((a, b) => a.index - b.index);
  const summary: Record<string, number> = {};
  for (const r of sorted) summary[r.status] = (summary[r.status] ?? 0) + 1;
  return { results: sorted, summary };
}
