import { z } from 'zod';
import { AppError, isAppError } from '@platform/shared/errors';
import type { ServiceClient } from '@platform/shared/service-client';
import type { DailyLogins, Identity, IdentityProvider, InviteOutcome } from '../../usecases/admin/identity-port.ts';

const identitySchema = z.object({
  id: z.string(),
  email: z.string(),
  display_name: z.string(),
  role: z.enum(['user', 'admin']),
  status: z.enum(['active', 'banned', 'deleted']),
  email_verified: z.boolean(),
  created_at: z.string(),
});

const inviteAnswer = z.object({
  results: z.array(z.union([
    z.object({ index: z.number().int(), email: z.string(), status: z.enum(['created', 'exists']), id: z.string() }),
    z.object({
      index: z.number().int(), email: z.string(), status: z.literal('invalid'),
      error: z.object({ code: z.string(), message: z.string(), details: z.unknown().optional() }),
    }),
  ])),
});

const dailyAnswer = z.array(z.object({ date: z.string(), user_id: z.string(), logins: z.number().int() }));

// auth takes at most 500 invitees per call.
const INVITE_CHUNK = 500;

const toIdentity = (j: z.infer<typeof identitySchema>): Identity => ({
  id: j.id, email: j.email, displayName: j.display_name, role: j.role, status: j.status,
  emailVerified: j.email_verified, createdAt: new Date(j.created_at),
});

function parseAnswer<S extends z.ZodType>(schema: S, value: unknown): z.infer<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  throw new AppError('EXT_003', 'The auth service returned an invalid response', { cause: result.error });
}

/**
 * What the admin sees when auth cannot take the change: every failure of auth itself (unreachable,
 * timeout, 5xx, breaker open) is one retryable 503, since nothing was changed here. auth refusing our
 * own service token is our misconfiguration (502), not the admin's 401/403. Other 4xx answers (last
 * admin 422 BIZ_003, email taken 409, unknown user 404, bad email 422) keep auth's code and status.
 */
export function mapAuthError(err: unknown): unknown {
  if (!isAppError(err)) return err;
  // Timeout, unreachable, breaker open, a 5xx or a malformed answer: auth could not do it.
  if (err.code.startsWith('EXT_')) return authUnavailable(err);
  if (err.code.startsWith('AUTH_')) return new AppError('EXT_003', 'The auth service refused this service\'s credentials', { cause: err });
  return err;
}

const authUnavailable = (cause: unknown) =>
  new AppError('EXT_002', 'The auth service is unavailable; nothing was changed, try again later', { cause });

async function mapped<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (err) {
    throw mapAuthError(err);
  }
}

const INTERNAL = '/api/v1/internal';

/**
 * auth's internal account API (role, status, email, invitations, login records) over the shared
 * breaker client wiring.ts builds (createServiceClient + createTokenProvider: service token, timeout,
 * retries for idempotent calls, one breaker for auth, trace propagation).
 */
export function createAuthAccounts(client: ServiceClient): IdentityProvider {
  return {
    updateIdentity: (id, change) => mapped(async () => {
      // Setting values is idempotent: a retry after a lost answer sets the same values again.
      const answer = await client.patch(`${INTERNAL}/users/${encodeURIComponent(id)}`, { body: change, idempotent: true });
      return toIdentity(parseAnswer(identitySchema, answer));
    }),

    invite: (invitees, { source, invitedBy }) => mapped(async () => {
      const out: InviteOutcome[] = [];
      for (let start = 0; start < invitees.length; start += INVITE_CHUNK) {
        const chunk = invitees.slice(start, start + INVITE_CHUNK);
        // auth is idempotent on email, so a retried invite reports `exists` instead of creating twice.
        const answer = await client.post(`${INTERNAL}/users`, {
          idempotent: true,
          body: {
            source, invited_by: invitedBy,
            users: chunk.map((u) => ({ email: u.email, display_name: u.displayName, ...(u.role && { role: u.role }) })),
          },
        });
        for (const r of parseAnswer(inviteAnswer, answer).results) out.push({ ...r, index: r.index + start } as InviteOutcome);
      }
      return out;
    }),

    dailyLogins: (range, page) => mapped(async () => {
      const items = await client.get(`${INTERNAL}/logins/daily`, { query: { ...range, limit: page.limit, offset: page.offset } });
      return parseAnswer(dailyAnswer, items).map((r): DailyLogins => ({ date: r.date, userId: r.user_id, logins: r.logins }));
    }),
  };
}
