export type ByteRange = { start: number; end: number };

/**
 * `none`: no usable Range header (absent, not `bytes`, malformed, or several ranges, which we
 * answer with the whole file as RFC 9110 allows); `unsatisfiable`: 416; `range`: one inclusive range.
 */
export type RangeRequest = { kind: 'none' } | { kind: 'unsatisfiable' } | { kind: 'range'; range: ByteRange };

const SPEC = /^\s*(\d*)\s*-\s*(\d*)\s*$/;

/** Parses a Range header against a representation of `size` bytes (RFC 9110 §14.1.2). */
export function parseRange(header: string | undefined, size: number): RangeRequest {
  if (!header) return { kind: 'none' };
  const eq = header.indexOf('=');
  if (eq < 0 || header.slice(0, eq).trim().toLowerCase() !== 'bytes') return { kind: 'none' };
  const specs = header.slice(eq + 1).split(',');
  if (specs.length !== 1) return { kind: 'none' };
  const m = SPEC.exec(specs[0]!);
  if (!m) return { kind: 'none' };
  const [, first = '', last = ''] = m;
  if (first === '' && last === '') return { kind: 'none' };
  if (first.length > 15 || last.length > 15) return { kind: 'none' };
  if (first === '') {
    // Suffix range: the last N bytes.
    const n = Number(last);
    if (n === 0 || size === 0) return { kind: 'unsatisfiable' };
    return { kind: 'range', range: { start: Math.max(0, size - n), end: size - 1 } };
  }
  const start = Number(first);
  const end = last === '' ? size - 1 : Number(last);
  if (last !== '' && end < start) return { kind: 'none' };
  if (start >= size) return { kind: 'unsatisfiable' };
  return { kind: 'range', range: { start, end: Math.min(end, size - 1) } };
}
