/** Where a consumer's failed messages wait `delayMs` before going back to its queue. */
export const retryQueueName = (queue: string, delayMs: number): string => `${queue}.retry.${delayMs}`;

/** Where a consumer's messages are parked after the last attempt, or at once when malformed. */
export const deadLetterQueueName = (queue: string): string => `${queue}.dlq`;

/** Every queue a consumer declares, e.g. to delete them in a test's cleanup. */
export const consumerQueueNames = (queue: string, retryDelaysMs: readonly number[]): string[] => [
  queue, ...[...new Set(retryDelaysMs)].map((ms) => retryQueueName(queue, ms)), deadLetterQueueName(queue),
];

// Headers the platform sets on messages it moves between a queue, its retry queues and its DLQ.
export const HEADERS = {
  attempt: 'x-attempt',
  lastError: 'x-last-error',
  reason: 'x-dead-letter-reason',
  failedAt: 'x-failed-at',
  originalQueue: 'x-original-queue',
  requestId: 'x-request-id',
} as const;

// RabbitMQ's own dead-lettering bookkeeping; dropped when we republish so it does not pile up.
const BROKER_HEADERS = /^x-(death|first-death-|last-death-)/;

/** The message's headers without the broker's dead-letter bookkeeping, plus `extra`. */
export function carriedHeaders(headers: Record<string, unknown> | undefined, extra: Record<string, unknown> = {}): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(headers ?? {})) {
    if (!BROKER_HEADERS.test(key)) out[key] = value;
  }
  return Object.assign(out, extra);
}
