import type { FieldIssue } from './field-issue.ts';

export const PASSWORD_MIN_LENGTH = 12;
export const PASSWORD_MAX_LENGTH = 128;

export type PasswordPolicy = {
  /** Lower-cased common/breached passwords. */
  commonPasswords: ReadonlySet<string>;
};

/**
 * NIST 800-63B style: length and a deny-list, no composition rules. Length counts code points so an
 * emoji is one character. Returns every problem, so the client can show them all at once.
 */
export function checkPassword(policy: PasswordPolicy, password: string, email?: string, field = 'password'): FieldIssue[] {
  const issues: FieldIssue[] = [];
  const length = [...password].length;
  if (length < PASSWORD_MIN_LENGTH) {
    issues.push({ field, issue: 'too_short', message: `Must be at least ${PASSWORD_MIN_LENGTH} characters` });
  } else if (length > PASSWORD_MAX_LENGTH) {
    issues.push({ field, issue: 'too_long', message: `Must be at most ${PASSWORD_MAX_LENGTH} characters` });
  }
  const lowered = password.toLowerCase();
  if (policy.commonPasswords.has(lowered)) {
    issues.push({ field, issue: 'common_password', message: 'Is too common; choose a password that is not on breached-password lists' });
  }
  if (email && (lowered === email || lowered === email.slice(0, email.indexOf('@')))) {
    issues.push({ field, issue: 'same_as_email', message: 'Must not be your email address' });
  }
  return issues;
}
