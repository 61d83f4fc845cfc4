import { z } from 'zod';

// zod's email check is the one the event catalog applies, so anything accepted here can travel in
// an event; the RFC 5321 length limits come on top.
const emailFormat = z.email();

/** Trimmed and lower-cased: the form stored, compared and used as the lockout key. */
export const normalizeEmail = (raw: string): string => raw.trim().toLowerCase();

/** Expects a normalised email. */
export function isValidEmail(email: string): boolean {
  if (email.length > 254) return false;
  const local = email.slice(0, email.lastIndexOf('@'));
  return local.length >= 1 && local.length <= 64 && emailFormat.safeParse(email).success;
}
