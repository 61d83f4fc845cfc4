import type { z } from 'zod';
import { AppError } from '../errors/app-error.ts';

type Detail = { field: string; issue: string; message: string };

// Missing or wrongly-typed fields are malformed requests (VAL_001); a well-typed value in the wrong
// format is VAL_002; a value out of range is VAL_003 (guide §5).
function codeFor(issues: z.core.$ZodIssue[]): 'VAL_001' | 'VAL_002' | 'VAL_003' {
  const kinds = new Set(issues.map((i) => i.code));
  if (kinds.has('invalid_type') || kinds.has('unrecognized_keys') || kinds.has('invalid_union')) return 'VAL_001';
  if (kinds.has('too_small') || kinds.has('too_big')) {
    const onlyRange = issues.every((i) => i.code === 'too_small' || i.code === 'too_big');
    if (onlyRange) return 'VAL_003';
  }
  return 'VAL_002';
}

export function zodToAppError(error: z.ZodError, where = 'body'): AppError {
  const details: Detail[] = [];
  for (const issue of error.issues) {
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) details.push({ field: [...issue.path, key].join('.'), issue: 'unknown_field', message: 'Unknown field' });
      continue;
    }
    const missing = issue.code === 'invalid_type' && issue.message.includes('received undefined');
    details.push({
      field: issue.path.length ? issue.path.join('.') : where,
      issue: missing ? 'required' : issue.code,
      message: missing ? 'Required' : issue.message,
    });
  }
  const first = details[0];
  const message = first ? `Invalid ${where}: ${first.field} ${first.message.charAt(0).toLowerCase()}${first.message.slice(1)}` : `Invalid ${where}`;
  return new AppError(codeFor(error.issues), message, { details });
}

/** Parses input with a schema or throws VAL_* naming each bad field. */
export function validate<S extends z.ZodType>(schema: S, value: unknown, where = 'body'): z.infer<S> {
  const result = schema.safeParse(value ?? (where === 'body' ? undefined : {}));
  if (result.success) return result.data;
  throw zodToAppError(result.error, where);
}
