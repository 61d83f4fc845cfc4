import type { z } from 'zod';
import { AppError } from '../errors/app-error.ts';

type Detail = { field: string; issue: string; message: string };

// Missing or wrongly-typed fields are malformed requests (VAL_001); a well-typed value in the wrong
// format is VAL_002; a value out of range is VAL_003 (guide §5).
function codeFor(issues: z.core.$ZodIssue[], missing: boolean): 'VAL_001' | 'VAL_002' | 'VAL_003' {
  const kinds = new Set(issues.map((i) => i.code));
  if (missing || kinds.has('invalid_type') || kinds.has('unrecognized_keys') || kinds.has('invalid_union')) return 'VAL_001';
  if (kinds.has('too_small') || kinds.has('too_big')) {
    const onlyRange = issues.every((i) => i.code === 'too_small' || i.code === 'too_big');
    if (onlyRange) return 'VAL_003';
  }
  return 'VAL_002';
}

const valueAt = (input: unknown, path: PropertyKey[]): unknown =>
  path.reduce<unknown>((v, key) => (v !== null && typeof v === 'object' ? (v as Record<PropertyKey, unknown>)[key] : undefined), input);

/**
 * `input` (the value that was parsed) lets a field that is absent be reported as "required" whatever
 * its schema (zod words a missing enum as "invalid option").
 */
export function zodToAppError(error: z.ZodError, where = 'body', input?: unknown): AppError {
  const details: Detail[] = [];
  let anyMissing = false;
  for (const issue of error.issues) {
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) details.push({ field: [...issue.path, key].join('.'), issue: 'unknown_field', message: 'Unknown field' });
      continue;
    }
    const missing = input !== undefined && issue.path.length > 0
      ? valueAt(input, issue.path) === undefined
      : issue.code === 'invalid_type' && issue.message.includes('received undefined');
    anyMissing ||= missing;
    details.push({
      field: issue.path.length ? issue.path.join('.') : where,
      issue: missing ? 'required' : issue.code,
      message: missing ? 'Required' : issue.message,
    });
  }
  const first = details[0];
  const message = first ? `Invalid ${where}: ${first.field} ${first.message.charAt(0).toLowerCase()}${first.message.slice(1)}` : `Invalid ${where}`;
  return new AppError(codeFor(error.issues, anyMissing), message, { details });
}

/** Parses input with a schema or throws VAL_* naming each bad field. */
export function validate<S extends z.ZodType>(schema: S, value: unknown, where = 'body'): z.infer<S> {
  const input = value ?? (where === 'body' ? undefined : {});
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  throw zodToAppError(result.error, where, input);
}
