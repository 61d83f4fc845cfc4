import { describe, expect, it } from 'vitest';
import { checkDayRange, daysInRange } from '../src/domain/day-range.ts';
import { checkInvitee } from '../src/domain/invitee.ts';
import { oneTimeTokenState } from '../src/domain/one-time-token.ts';

describe('oneTimeTokenState', () => {
  const now = new Date('2025-01-01T12:00:00Z');
  const later = new Date('2025-01-01T13:00:00Z');
  it('is usable until it expires, is used, or is superseded; used and superseded win over expired', () => {
    expect(oneTimeTokenState({ usedAt: null, invalidatedAt: null, expiresAt: later }, now)).toBe('usable');
    expect(oneTimeTokenState({ usedAt: null, invalidatedAt: null, expiresAt: now }, now)).toBe('expired');
    expect(oneTimeTokenState({ usedAt: now, invalidatedAt: null, expiresAt: new Date(0) }, now)).toBe('used');
    expect(oneTimeTokenState({ usedAt: null, invalidatedAt: now, expiresAt: new Date(0) }, now)).toBe('superseded');
  });
});

describe('day ranges', () => {
  it('count both ends', () => {
    expect(daysInRange('2025-01-01', '2025-01-01')).toBe(1);
    expect(daysInRange('2024-01-01', '2024-12-31')).toBe(366);
  });
  it('refuse an end before the start and ranges past the maximum', () => {
    expect(checkDayRange('2025-01-02', '2025-01-01', 366)).toMatchObject({ field: 'to', issue: 'before_from' });
    expect(checkDayRange('2024-01-01', '2025-01-01', 366)).toMatchObject({ field: 'to', issue: 'range_too_long' });
    expect(checkDayRange('2024-01-01', '2024-12-31', 366)).toBeNull();
  });
});

describe('checkInvitee', () => {
  it('normalises email and display name and defaults the role to user', () => {
    expect(checkInvitee({ email: ' Ann@Example.COM ', display_name: '  Ann   Lee ' })).toEqual({
      invitee: { email: 'ann@example.com', displayName: 'Ann Lee', role: 'user' },
    });
  });
  it('reports every problem of an entry', () => {
    const result = checkInvitee({ email: 'nope', display_name: 'Tab\there', role: 'service' });
    expect('issues' in result && result.issues.map((i) => [i.field, i.issue])).toEqual([
      ['email', 'invalid_format'], ['display_name', 'invalid_format'], ['role', 'invalid_value'],
    ]);
    expect(checkInvitee({ email: 'a@example.com', display_name: '   ' })).toEqual({ issues: [expect.objectContaining({ field: 'display_name', issue: 'too_short' })] });
    expect(checkInvitee({ email: 'a@example.com', display_name: 'x'.repeat(101) })).toEqual({ issues: [expect.objectContaining({ issue: 'too_long' })] });
  });
});
