import { describe, expect, it } from 'vitest';
import { parseRange } from '../src/domain/byte-range.ts';
import { contentDisposition } from '../src/http/content-disposition.ts';

describe('parseRange', () => {
  it('reads closed, open and suffix ranges', () => {
    expect(parseRange('bytes=0-99', 1000)).toEqual({ kind: 'range', range: { start: 0, end: 99 } });
    expect(parseRange('bytes=500-', 1000)).toEqual({ kind: 'range', range: { start: 500, end: 999 } });
    expect(parseRange('bytes=-100', 1000)).toEqual({ kind: 'range', range: { start: 900, end: 999 } });
    expect(parseRange('Bytes = 10 - 20', 1000)).toEqual({ kind: 'range', range: { start: 10, end: 20 } });
  });

  it('clamps ranges that run past the end', () => {
    expect(parseRange('bytes=900-5000', 1000)).toEqual({ kind: 'range', range: { start: 900, end: 999 } });
    expect(parseRange('bytes=-5000', 1000)).toEqual({ kind: 'range', range: { start: 0, end: 999 } });
  });

  it('answers unsatisfiable for a start past the end, an empty suffix or an empty file', () => {
    expect(parseRange('bytes=1000-', 1000)).toEqual({ kind: 'unsatisfiable' });
    expect(parseRange('bytes=2000-3000', 1000)).toEqual({ kind: 'unsatisfiable' });
    expect(parseRange('bytes=-0', 1000)).toEqual({ kind: 'unsatisfiable' });
    expect(parseRange('bytes=0-', 0)).toEqual({ kind: 'unsatisfiable' });
  });

  it('ignores what it cannot use: no header, other units, garbage, reversed or several ranges', () => {
    for (const header of [undefined, '', 'items=0-1', 'bytes=abc', 'bytes=-', 'bytes=5-1', 'bytes=0-1,5-9', 'bytes=1e3-', 'bytes=99999999999999999999-']) {
      expect(parseRange(header, 1000)).toEqual({ kind: 'none' });
    }
  });
});

describe('contentDisposition', () => {
  it('gives an ASCII fallback and the UTF-8 name per RFC 6266 / 8187', () => {
    expect(contentDisposition('report.pdf')).toBe(`attachment; filename="report.pdf"; filename*=UTF-8''report.pdf`);
    expect(contentDisposition('café (1).txt')).toBe(`attachment; filename="caf_ (1).txt"; filename*=UTF-8''caf%C3%A9%20%281%29.txt`);
  });

  it('cannot be broken out of with quotes, backslashes or line breaks', () => {
    const value = contentDisposition('a"; filename="evil.exe\\\r\n.txt');
    expect(value).not.toMatch(/[\r\n]/);
    expect(value.split('"').length).toBe(3);
    expect(value).toContain(`filename*=UTF-8''a%22%3B%20filename%3D%22evil.exe%5C%0D%0A.txt`);
  });
});
