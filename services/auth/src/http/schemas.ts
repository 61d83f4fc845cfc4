import { z } from 'zod';
import { DISPLAY_NAME_MAX_LENGTH } from '../domain/user.ts';

// Lengths here only guard against absurd input; the real rules (password policy, email format)
// live in the domain so they can report every field at once with precise issues.
const email = z.string().max(320);
const secret = z.string().max(4096);
const token = z.string().min(1).max(512);
// eslint-disable-next-line no-control-regex
const noControlChars = /^[^\u0000-\u001f\u007f]*$/;

export const registerBody = z.strictObject({
  email,
  password: secret,
  display_name: z.string().trim().min(1).max(DISPLAY_NAME_MAX_LENGTH).regex(noControlChars, 'Must not contain control characters'),
});

export const loginBody = z.strictObject({
  email,
  password: secret.min(1),
});

export const refreshTokenBody = z.strictObject({ refresh_token: token });

/** OAuth 2.0 token request. Unknown parameters are ignored, as RFC 6749 §3.2 requires. */
export const tokenRequestBody = z.object({
  grant_type: z.string().min(1).max(64),
  client_id: z.string().min(1).max(128).optional(),
  client_secret: z.string().min(1).max(512).optional(),
  scope: z.string().max(1024).optional(),
});

export const sessionIdParams = z.strictObject({ id: z.uuid() });
