import type { Broker, ChannelSetup } from '@platform/shared/events';
import type { Logger } from '@platform/shared/logger';
import type { SyncDeps } from '../usecases/deps.ts';
import { runJob } from '../usecases/run-job.ts';
import { observeEndedJob } from './job-metrics.ts';
import type { JobMessage } from './rabbit-job-queue.ts';

export type JobWorker = { stop(): Promise<void> };

// amqplib's types through the shared kit (this package does not depend on amqplib itself).
type Channel = Parameters<ChannelSetup>[0];
type ConsumeMessage = NonNullable<Parameters<Parameters<Channel['consume']>[1]>[0]>;

/**
 * Consumes the job queue (competing consumers; prefetch = jobs run at once). A message is acked when
 * its job ends, or requeued when this worker stops first (the job goes back to queued and another
 * worker resumes it from its cursor). A duplicate message for a job another worker holds is dropped.
 */
export function startJobWorker({ broker, queue, concurrency, deps, worker, logger }: {
  broker: Broker; queue: string; concurrency: number; deps: SyncDeps; worker: string; logger: Logger;
}): JobWorker {
  const abort = new AbortController();
  const running = new Set<Promise<void>>();

  const settle = (ch: Channel, msg: ConsumeMessage, requeue: boolean | 'ack') => {
    // The channel may have closed (broker restart) while the job ran: the broker redelivers, and the claim guard drops the copy.
    try {
      if (requeue === 'ack') ch.ack(msg);
      else ch.nack(msg, false, requeue);
    } catch (err) {
      logger.debug('job message settle failed', { err: (err as Error).message });
    }
  };

  async function handle(ch: Channel, msg: ConsumeMessage): Promise<void> {
    let jobId: string;
    try {
      jobId = (JSON.parse(msg.content.toString('utf8')) as JobMessage).job_id;
      if (typeof jobId !== 'string') throw new Error('no job_id');
    } catch {
      logger.warn('unreadable job message dropped');
      return settle(ch, msg, false);
    }
    try {
      const outcome = await runJob(deps, jobId, { worker, signal: abort.signal });
      if (outcome === 'finished') {
        const job = await deps.jobs.findById(deps.db, jobId).catch(() => null);
        if (job) observeEndedJob(job);
      }
      settle(ch, msg, outcome === 'released' ? true : 'ack');
    } catch (err) {
      // The job row stays running; once its heartbeat is stale the sweeper hands it to a worker again.
      logger.error('job run failed', { job_id: jobId, err });
      settle(ch, msg, 'ack');
    }
  }

  const channel = concurrency > 0
    ? broker.openChannel('sync-job-worker', async (ch) => {
      await ch.assertQueue(queue, { durable: true });
      await ch.prefetch(concurrency);
      await ch.consume(queue, (msg) => {
        if (!msg) return;
        if (abort.signal.aborted) return settle(ch, msg, true);
        const p = handle(ch, msg).finally(() => running.delete(p));
        running.add(p);
      });
    })
    : undefined;

  return {
    async stop() {
      abort.abort();
      await Promise.allSettled([...running]);
      await channel?.close();
    },
  };
}
