import type { Category, Channel } from '../domain/categories.ts';
import { notificationErrors } from '../domain/notification-errors.ts';
import { effectivePreferences, lockedViolations, type PreferenceChoice, type PreferenceMatrix } from '../domain/preferences.ts';
import type { NotificationDeps } from './deps.ts';

type Deps = Pick<NotificationDeps, 'db' | 'runInScope' | 'preferences'>;

/** A partial matrix: { files: { email: false } }. */
export type PreferencePatch = Partial<Record<Category, Partial<Record<Channel, boolean>>>>;

export async function getPreferences(deps: Deps, userId: string): Promise<PreferenceMatrix> {
  return effectivePreferences(await deps.preferences.list(deps.db, userId));
}

/** Stores the pairs the patch names; turning security email off refuses the whole patch. */
export async function updatePreferences(deps: Deps, userId: string, patch: PreferencePatch): Promise<PreferenceMatrix> {
  const choices: PreferenceChoice[] = Object.entries(patch).flatMap(([category, channels]) =>
    Object.entries(channels ?? {}).map(([channel, enabled]) => ({ category: category as Category, channel: channel as Channel, enabled: enabled! })));
  const refused = lockedViolations(choices);
  if (refused.length > 0) throw notificationErrors.securityEmailLocked(refused.map((c) => `${c.category}.${c.channel}`));
  return deps.runInScope(async ({ tx }) => {
    await deps.preferences.upsert(tx, userId, choices);
    return effectivePreferences(await deps.preferences.list(tx, userId));
  });
}
