import type { NotificationInput } from '../domain/notification.ts';
import { effectivePreferences } from '../domain/preferences.ts';
import type { NotificationRepo, NotifyEvent, NotifyListener, PreferenceRepo, TxScope } from './ports.ts';

export type NotifyDeps = { notifications: NotificationRepo; preferences: PreferenceRepo; listeners: readonly NotifyListener[] };

/**
 * The one way anything becomes an in-app notification: checks the user's preferences, writes the
 * inbox row and runs the listeners (webhook fan-out in the transaction, live push after commit).
 * Idempotent per (user, event, type): a redelivered event returns null and triggers nothing.
 */
export async function notify(deps: NotifyDeps, scope: TxScope, input: NotificationInput): Promise<NotifyEvent | null> {
  const prefs = effectivePreferences(await deps.preferences.list(scope.tx, input.userId))[input.category];
  const channels = { inApp: prefs.in_app, webhook: prefs.webhook };
  let notification = null;
  if (channels.inApp) {
    notification = await deps.notifications.insert(scope.tx, input);
    if (!notification) return null;
  }
  const event: NotifyEvent = { input, notification, channels };
  for (const listener of deps.listeners) {
    if (listener.inTx) await listener.inTx(scope.tx, event);
  }
  for (const listener of deps.listeners) {
    const after = listener.afterCommit;
    if (after) scope.afterCommit(() => after(event));
  }
  return event;
}
