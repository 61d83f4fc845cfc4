import { z } from 'zod';

// Field schemas several events share, so "a role" or "a timestamp" means the same everywhere.
export const role = z.enum(['user', 'admin', 'service']);
export const timestamp = z.iso.datetime({ offset: true });
export const displayName = z.string().min(1).max(200);
/** A single-use secret (verification, reset, invitation); consumers put it in a link, never in a log. */
export const oneTimeToken = z.string().min(8).max(512);
export const jobCounts = z.record(z.string(), z.number().int().nonnegative());
/** "Mail this person a single-use link": the data of the verification and reset events. */
export const emailLink = z.object({
  user_id: z.uuid(),
  email: z.email(),
  display_name: displayName,
  token: oneTimeToken,
  expires_at: timestamp,
});
