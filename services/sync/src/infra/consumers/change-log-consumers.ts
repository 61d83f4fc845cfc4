import {
  consumer, fileDeleted, fileUploaded, notificationReadStateChanged, userBanned, userCreated, userDeleted, userRoleChanged, userUnbanned, userUpdated,
  type ConsumeContext, type ConsumerDef, type EventEnvelope,
} from '@platform/shared/events';
import type { ChangeFeedDeps } from '../../usecases/change-feed-ports.ts';
import {
  recordFileDeleted, recordFileUploaded, recordReadStateChanged, recordUserChange, recordUserDeleted, type RecordScope,
} from '../../usecases/record-change.ts';
import { changesWritten } from './change-metrics.ts';

export type ChangeLogRetry = {
  /** Waits between attempts; the last repeats. */
  retryDelaysMs: readonly number[];
  /** Deliveries before the event is parked in its DLQ (replayable); default: about a week of retries. */
  maxAttempts: number;
};

// A change must not be dropped while the user service is down: retry for about a week (the last
// wait repeats), then park the event in the DLQ, from where it can be replayed.
export const DEFAULT_CHANGE_LOG_RETRY: ChangeLogRetry = { retryDelaysMs: [1_000, 5_000, 30_000, 120_000, 300_000], maxAttempts: 2_020 };

const scopeOf = (envelope: EventEnvelope, ctx: ConsumeContext): RecordScope => ({
  tx: ctx.tx,
  event: { id: envelope.id, occurredAt: new Date(envelope.occurred_at) },
  afterCommit: ctx.afterCommit,
});

/**
 * The change log's consumers: one durable queue per event type, `<prefix>.change-log.<event type>`
 * (prefix 'sync' in production). They may run at once: the order of the log comes from the
 * append lock, not from the consumers.
 */
export function createChangeLogConsumers(deps: ChangeFeedDeps, prefix: string, retry: ChangeLogRetry = DEFAULT_CHANGE_LOG_RETRY): ConsumerDef[] {
  const queue = (type: string) => `${prefix}.change-log.${type}`;
  const counted = async (event: string, n: Promise<number>) => {
    const written = await n;
    if (written > 0) changesWritten.inc({ event }, written);
  };
  const userChange = (event: typeof userCreated | typeof userUpdated | typeof userRoleChanged | typeof userBanned | typeof userUnbanned) =>
    consumer({
      queue: queue(event.type), event, ...retry,
      handle: (e, ctx) => counted(e.type, recordUserChange(deps, scopeOf(e, ctx), (e.data as { user_id: string }).user_id)),
    });
  return [
    userChange(userCreated),
    userChange(userUpdated),
    userChange(userRoleChanged),
    userChange(userBanned),
    userChange(userUnbanned),
    consumer({
      queue: queue(userDeleted.type), event: userDeleted, ...retry,
      handle: (e, ctx) => counted(e.type, recordUserDeleted(deps, scopeOf(e, ctx), e.data.user_id)),
    }),
    consumer({
      queue: queue(fileUploaded.type), event: fileUploaded, ...retry,
      handle: (e, ctx) => counted(e.type, recordFileUploaded(deps, scopeOf(e, ctx), e.data)),
    }),
    consumer({
      queue: queue(fileDeleted.type), event: fileDeleted, ...retry,
      handle: (e, ctx) => counted(e.type, recordFileDeleted(deps, scopeOf(e, ctx), e.data)),
    }),
    consumer({
      queue: queue(notificationReadStateChanged.type), event: notificationReadStateChanged, ...retry,
      handle: (e, ctx) => counted(e.type, recordReadStateChanged(deps, scopeOf(e, ctx), e.data)),
    }),
  ];
}
