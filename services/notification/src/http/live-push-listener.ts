import type { LivePublisher } from '../usecases/live-feed.ts';
import type { NotifyListener } from '../usecases/ports.ts';
import { toNotificationJson } from './notification-presenters.ts';

/** notify() hook: once the inbox row committed, push it (as clients see it) to the user's live streams. */
export const livePushListener = (publisher: LivePublisher): NotifyListener => ({
  afterCommit: ({ notification }) => notification && publisher.publish(notification.userId, toNotificationJson(notification)),
});
