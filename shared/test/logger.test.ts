import { describe, expect, it } from 'vitest';
import { redactValue } from '../src/logger/index.ts';

describe('redactValue', () => {
  it('hides secret fields at any depth and tokens inside strings', () => {
    const out = redactValue({
      user: { password: 'p', email: 'a@b.c' },
      headers: { authorization: 'Bearer abc', 'x-api-key': 'k' },
      note: 'sent eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiIxIn0.sig to the client',
      list: [{ refresh_token: 'r' }],
    });
    expect(out).toEqual({
      user: { password: '[REDACTED]', email: 'a@b.c' },
      headers: { authorization: '[REDACTED]', 'x-api-key': '[REDACTED]' },
      note: 'sent [REDACTED_JWT] to the client',
      list: [{ refresh_token: '[REDACTED]' }],
    });
  });
});
