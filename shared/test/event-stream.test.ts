import { describe, expect, it } from 'vitest';
import { isAppError } from '../src/errors/index.ts';
import { parseLastEventId } from '../src/http/index.ts';

describe('parseLastEventId', () => {
  it('is undefined without an id and the trimmed id otherwise', () => {
    expect(parseLastEventId(undefined, 15)).toBeUndefined();
    expect(parseLastEventId('  ', 15)).toBeUndefined();
    expect(parseLastEventId(' 42 ', 15)).toBe('42');
    expect(parseLastEventId('0', 15)).toBe('0');
  });

  it('refuses anything but a non-negative integer within the digit limit with VAL_002', () => {
    for (const bad of ['-1', '1.5', 'abc', '1e3', '1234567890123456']) {
      let caught: unknown;
      try { parseLastEventId(bad, 15); } catch (err) { caught = err; }
      expect(isAppError(caught) && caught.code, bad).toBe('VAL_002');
    }
    expect(parseLastEventId('1234567890123456', 18)).toBe('1234567890123456');
  });
});
