import type { ConsumerDef } from '@platform/shared/events';

/**
 * Consumers declare their queues as `user.<purpose>`; this puts them under another prefix
 * (EVENT_QUEUE_PREFIX), so a test process never shares a durable queue with a running platform.
 */
export function withQueuePrefix(prefix: string, defs: readonly ConsumerDef[]): ConsumerDef[] {
  if (prefix === 'user') return [...defs];
  return defs.map((d) => ({ ...d, queue: `${prefix}.${d.queue.replace(/^user\./, '')}` }));
}
