import { RetryLaterError } from '../domain/notification-errors.ts';
import type { Recipient } from '../domain/recipient.ts';
import type { NotificationDeps } from './deps.ts';

type Deps = Pick<NotificationDeps, 'directory' | 'settings' | 'logger'>;

export type KnownRecipient = { userId: string; email?: string; displayName?: string };

/**
 * Who a user's mail goes to. Event data first: when the event carries the address (auth's events
 * do), the mail never waits for the user service, which is asked only for locale and time zone
 * (best effort).
 * Otherwise the user service's lookup decides; while it is down this throws RetryLaterError and the
 * event is retried later. Null for a user the directory does not know or who is deleted.
 */
export async function resolveRecipient(deps: Deps, known: KnownRecipient, { allowBanned = false } = {}): Promise<Recipient | null> {
  if (known.email) {
    let entry;
    try {
      entry = (await deps.directory.lookup([known.userId])).get(known.userId);
    } catch (err) {
      // Only the language is at stake: a mail with the address in hand never waits or fails for it.
      deps.logger.debug('locale lookup skipped', { user_id: known.userId, err: (err as Error).message, retryable: err instanceof RetryLaterError });
    }
    return {
      userId: known.userId, email: known.email, displayName: known.displayName ?? known.email,
      locale: entry?.locale ?? deps.settings.defaultLocale, timeZone: entry?.timeZone ?? null,
    };
  }
  const entry = (await deps.directory.lookup([known.userId])).get(known.userId);
  if (!entry || entry.status === 'deleted' || (entry.status === 'banned' && !allowBanned)) return null;
  return { userId: entry.id, email: entry.email, displayName: entry.displayName, locale: entry.locale ?? deps.settings.defaultLocale, timeZone: entry.timeZone };
}

/** The admin alert list as recipients (no account behind them). */
export const adminRecipients = (deps: Pick<NotificationDeps, 'settings'>): Recipient[] =>
  deps.settings.adminAlertEmails.map((email) => ({ email, displayName: 'Admin', locale: deps.settings.defaultLocale }));
