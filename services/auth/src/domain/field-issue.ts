import { AppError } from '@platform/shared/errors';

/** One thing wrong with one input field, in the shape the error envelope's details carry. */
export type FieldIssue = { field: string; issue: string; message: string };

const RANGE_ISSUES = new Set(['too_short', 'too_long']);

/** VAL_003 when every issue is a length/range problem, VAL_002 otherwise (guide §5). */
export function validationError(issues: FieldIssue[]): AppError {
  const first = issues[0];
  const code = issues.every((i) => RANGE_ISSUES.has(i.issue)) ? 'VAL_003' : 'VAL_002';
  const message = first ? `Invalid body: ${first.field} ${first.message.charAt(0).toLowerCase()}${first.message.slice(1)}` : 'Invalid body';
  return new AppError(code, message, { details: issues });
}
