import type { Category } from './categories.ts';

/**
 * Which catalog events a webhook can subscribe to, and whom each is about.
 * - `subject` reads the user an event is about: users may subscribe only to events about
 *   themselves (scope user); admins' platform-wide webhooks (scope platform) get every event.
 *   Events about no user (sync jobs, the erase saga) are for platform webhooks only.
 * - The three mail-link events (email verification, password reset, invitation) are left out:
 *   their one job is to carry a single-use secret to one mailbox, never to a URL.
 * - `category` is the preference category: a user who turned the webhook channel off for it gets
 *   nothing on their own webhooks.
 */
type WebhookEventSpec = { category: Category; subject: ((data: Record<string, unknown>) => string | null) | null };

const field = (name: string) => (data: Record<string, unknown>): string | null => {
  const v = data[name];
  return typeof v === 'string' ? v : null;
};

const userId = field('user_id');
const ownerId = field('owner_id');

export const WEBHOOK_EVENTS: Readonly<Record<string, WebhookEventSpec>> = {
  'user.registered': { category: 'account', subject: null },
  'user.created': { category: 'account', subject: null },
  'user.updated': { category: 'account', subject: userId },
  'user.role_changed': { category: 'account', subject: userId },
  'user.banned': { category: 'account', subject: userId },
  'user.unbanned': { category: 'account', subject: userId },
  'user.deleted': { category: 'account', subject: null },
  'user.data_erased': { category: 'account', subject: null },
  'auth.login_locked': { category: 'security', subject: userId },
  'file.uploaded': { category: 'files', subject: ownerId },
  'file.deleted': { category: 'files', subject: ownerId },
  'sync.job.started': { category: 'sync', subject: null },
  'sync.job.completed': { category: 'sync', subject: null },
  'sync.job.failed': { category: 'sync', subject: null },
};

export type WebhookScope = 'user' | 'platform';

export const WEBHOOK_EVENT_TYPES: readonly string[] = Object.keys(WEBHOOK_EVENTS).sort();

/** Event types a webhook of this scope may subscribe to. */
export const subscribableEvents = (scope: WebhookScope): string[] =>
  WEBHOOK_EVENT_TYPES.filter((type) => scope === 'platform' || WEBHOOK_EVENTS[type]!.subject !== null);

/** The user an event is about, for matching user-scope webhooks; null when it is about nobody in particular. */
export function eventSubject(type: string, data: Record<string, unknown>): string | null {
  return WEBHOOK_EVENTS[type]?.subject?.(data) ?? null;
}

export const eventCategory = (type: string): Category | null => WEBHOOK_EVENTS[type]?.category ?? null;
