import { describe, expect, it } from 'vitest';
import { validationError } from '../src/domain/field-issue.ts';
import { checkPassword } from '../src/domain/password-policy.ts';
import { loadCommonPasswords } from '../src/infra/common-passwords.ts';

const policy = { commonPasswords: loadCommonPasswords() };
const issues = (password: string, email?: string) => checkPassword(policy, password, email).map((i) => i.issue);

describe('password policy', () => {
  it('accepts a long uncommon passphrase', () => {
    expect(issues('correct horse battery staple')).toEqual([]);
  });

  it('refuses fewer than 12 characters and more than 128, counting code points', () => {
    expect(issues('short-pw-1!')).toEqual(['too_short']);
    expect(issues('x'.repeat(129))).toEqual(['too_long']);
    expect(issues('x'.repeat(128))).toEqual([]);
    // 12 emoji are 24 UTF-16 units but 12 characters
    expect(issues('🔑'.repeat(11))).toEqual(['too_short']);
    expect(issues('🔑'.repeat(12))).toEqual([]);
  });

  it('refuses common passwords whatever their case', () => {
    expect(issues('password1234')).toEqual(['common_password']);
    expect(issues('Password1234')).toEqual(['common_password']);
    expect(issues('QWERTY123456')).toEqual(['common_password']);
    expect(issues('iloveyou2024')).toEqual(['common_password']);
  });

  it('refuses the email address or its local part as the password', () => {
    expect(issues('ann.smith@example.com', 'ann.smith@example.com')).toEqual(['same_as_email']);
    expect(issues('Ann.Smith.Long', 'ann.smith.long@example.com')).toEqual(['same_as_email']);
  });

  it('reports every problem at once, with the field name', () => {
    const found = checkPassword(policy, 'password', 'x@example.com');
    expect(found.map((i) => i.issue)).toEqual(['too_short', 'common_password']);
    expect(found.every((i) => i.field === 'password' && i.message.length > 0)).toBe(true);
  });

  it('ships a deny-list of thousands of lower-case entries', () => {
    expect(policy.commonPasswords.size).toBeGreaterThan(5_000);
    expect([...policy.commonPasswords].every((p) => p === p.toLowerCase())).toBe(true);
  });
});

describe('validationError', () => {
  it('is VAL_003 when every issue is a range issue, VAL_002 otherwise', () => {
    expect(validationError([{ field: 'password', issue: 'too_short', message: 'Must be at least 12 characters' }]).code).toBe('VAL_003');
    const mixed = validationError([
      { field: 'email', issue: 'invalid_format', message: 'Must be a valid email address' },
      { field: 'password', issue: 'too_short', message: 'x' },
    ]);
    expect(mixed.code).toBe('VAL_002');
    expect(mixed.message).toBe('Invalid body: email must be a valid email address');
    expect(mixed.options.details).toHaveLength(2);
  });
});
