import { isValidEmail, normalizeEmail } from './email.ts';
import type { FieldIssue } from './field-issue.ts';
import { DISPLAY_NAME_MAX_LENGTH, normalizeDisplayName, USER_ROLES, type UserRole } from './user.ts';

export type Invitee = { email: string; displayName: string; role: UserRole };

// eslint-disable-next-line no-control-regex
const CONTROL_CHARS = /[\u0000-\u001f\u007f]/;

/**
 * One entry of a bulk identity import, normalised, or every problem with it. Entries are checked one
 * by one so a single bad row is reported on its own instead of failing the whole batch.
 */
export function checkInvitee(raw: { email: string; display_name: string; role?: string | undefined }): { invitee: Invitee } | { issues: FieldIssue[] } {
  const issues: FieldIssue[] = [];
  const email = normalizeEmail(raw.email);
  if (!isValidEmail(email)) issues.push({ field: 'email', issue: 'invalid_format', message: 'Must be a valid email address' });
  const displayName = normalizeDisplayName(raw.display_name);
  if (displayName.length === 0) issues.push({ field: 'display_name', issue: 'too_short', message: 'Must not be empty' });
  else if (displayName.length > DISPLAY_NAME_MAX_LENGTH) {
    issues.push({ field: 'display_name', issue: 'too_long', message: `Must be at most ${DISPLAY_NAME_MAX_LENGTH} characters` });
  }
  if (CONTROL_CHARS.test(raw.display_name)) issues.push({ field: 'display_name', issue: 'invalid_format', message: 'Must not contain control characters' });
  const role = raw.role ?? 'user';
  if (!(USER_ROLES as readonly string[]).includes(role)) issues.push({ field: 'role', issue: 'invalid_value', message: `Must be one of ${USER_ROLES.join(', ')}` });
  return issues.length > 0 ? { issues } : { invitee: { email, displayName, role: role as UserRole } };
}
