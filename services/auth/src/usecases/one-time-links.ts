import { accountErrors, type LinkKind } from '../domain/account-errors.ts';
import { oneTimeTokenState, type OneTimeToken } from '../domain/one-time-token.ts';
import { generateOpaqueToken, hashToken, looksLikeOpaqueToken } from '../domain/opaque-token.ts';
import type { AuthDeps } from './deps.ts';
import type { OneTimePurpose, Tx } from './ports.ts';

type Deps = Pick<AuthDeps, 'oneTimeTokens' | 'now'>;

/**
 * A new single-use link token for the user: the unused ones of the same purpose are superseded first,
 * so only the latest link works. The token is returned to put in an event; only its digest is stored.
 */
export async function issueLinkToken(deps: Deps, tx: Tx, userId: string, purpose: OneTimePurpose, ttlS: number): Promise<{ token: string; expiresAt: Date }> {
  await deps.oneTimeTokens.invalidateUnused(tx, userId, [purpose]);
  const token = generateOpaqueToken();
  const expiresAt = new Date(deps.now().getTime() + ttlS * 1000);
  await deps.oneTimeTokens.create(tx, { userId, purpose, tokenHash: hashToken(token), expiresAt });
  return { token, expiresAt };
}

/** Refuses a token that cannot be one of ours before any database work. */
export function assertLinkShape(token: string, kind: LinkKind): void {
  if (!looksLikeOpaqueToken(token)) throw accountErrors.unknownLink(kind);
}

/**
 * The stored token behind a presented link, locked for the rest of the transaction, or a precise
 * error: unknown (or meant for another purpose, which is answered the same), used, superseded, expired.
 */
export async function claimLinkToken(deps: Deps, tx: Tx, token: string, purposes: OneTimePurpose[], kind: LinkKind): Promise<OneTimeToken> {
  assertLinkShape(token, kind);
  const found = await deps.oneTimeTokens.findByHashForUpdate(tx, hashToken(token));
  if (!found || !purposes.includes(found.purpose)) throw accountErrors.unknownLink(kind);
  const state = oneTimeTokenState(found, deps.now());
  if (state !== 'usable') throw accountErrors.unusableLink(kind, state);
  return found;
}
