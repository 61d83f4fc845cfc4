import { describe, expect, it } from 'vitest';
import { isValidEmail, normalizeEmail } from '../src/domain/email.ts';

describe('normalizeEmail', () => {
  it('trims and lower-cases', () => {
    expect(normalizeEmail('  Ann.Smith@Example.COM \n')).toBe('ann.smith@example.com');
  });
});

describe('isValidEmail', () => {
  it.each(['a@b.co', 'ann.smith+tag@example.com', 'x_y-z@sub.example.org'])('accepts %s', (email) => {
    expect(isValidEmail(email)).toBe(true);
  });

  it.each([
    ['no at sign', 'example.com'],
    ['no domain dot', 'ann@localhost'],
    ['two at signs', 'a@b@example.com'],
    ['a space', 'ann smith@example.com'],
    ['an empty local part', '@example.com'],
    ['a local part over 64 characters', `${'a'.repeat(65)}@example.com`],
    ['over 254 characters', `a@${'b'.repeat(250)}.com`],
    ['an empty string', ''],
  ])('refuses %s', (_label, email) => {
    expect(isValidEmail(email)).toBe(false);
  });
});
