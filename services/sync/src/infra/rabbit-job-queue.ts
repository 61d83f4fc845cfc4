import type { Broker, ManagedChannel } from '@platform/shared/events';
import type { Logger } from '@platform/shared/logger';
import type { JobQueue } from '../usecases/ports.ts';

export type JobMessage = { job_id: string };

/**
 * Jobs travel on one durable queue through the default exchange; every worker consumes it
 * (competing consumers). The queue is declared before the first publish so no message is dropped
 * as unroutable.
 */
export function createRabbitJobQueue(broker: Broker, queue: string, logger: Logger): JobQueue & { close(): Promise<void> } {
  let declared: ManagedChannel | undefined;
  return {
    async enqueue(jobId) {
      const body: JobMessage = { job_id: jobId };
      try {
        declared ??= broker.openChannel('sync-job-queue', async (ch) => { await ch.assertQueue(queue, { durable: true }); });
        await declared.waitForOpen(5_000);
        await broker.sendToQueue(queue, Buffer.from(JSON.stringify(body)), { persistent: true, contentType: 'application/json', messageId: jobId });
      } catch (err) {
        // The job row stays queued: the sweeper publishes it again once the broker is back.
        logger.warn('job not enqueued; the sweeper will retry', { job_id: jobId, err: (err as Error).message });
      }
    },
    async close() {
      await declared?.close();
    },
  };
}
