import type { Request } from 'express';
import { describe, expect, it } from 'vitest';
import { isAppError } from '@platform/shared/errors';
import { etagOf, expectedVersion, notModified } from '../src/http/etag.ts';

const req = (headers: Record<string, string>) => ({ headers }) as unknown as Request;

describe('If-Match', () => {
  it('reads the version from a quoted tag, weak or strong', () => {
    expect(expectedVersion(req({ 'if-match': '"7"' }))).toBe(7);
    expect(expectedVersion(req({ 'if-match': 'W/"7"' }))).toBe(7);
  });
  it('means no condition when absent or *', () => {
    expect(expectedVersion(req({}))).toBeUndefined();
    expect(expectedVersion(req({ 'if-match': '*' }))).toBeUndefined();
  });
  it.each(['7', '"abc"', '"7", "8"', '""'])('refuses the malformed tag %s with VAL_002', (value) => {
    try {
      expectedVersion(req({ 'if-match': value }));
      expect.unreachable();
    } catch (err) {
      expect(isAppError(err) && err.code).toBe('VAL_002');
    }
  });
});

describe('If-None-Match', () => {
  it('matches the current version in a list of tags', () => {
    expect(notModified(req({ 'if-none-match': '"3", W/"4"' }), 4)).toBe(true);
    expect(notModified(req({ 'if-none-match': '"3"' }), 4)).toBe(false);
    expect(notModified(req({}), 4)).toBe(false);
  });
  it('quotes versions as entity tags', () => {
    expect(etagOf(12)).toBe('"12"');
  });
});
