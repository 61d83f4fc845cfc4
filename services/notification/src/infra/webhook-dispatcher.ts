import { attemptDelivery, type AttemptDeps } from '../usecases/webhooks/attempt-delivery.ts';

/** kick(): deliveries were just committed; poll now instead of at the next interval. */
export type WebhookDispatcher = { kick(): void; stop(): Promise<void> };

export type DispatcherOptions = {
  /** Wait between polls when nothing was due. */
  pollMs: number;
  /** Deliveries in flight at once (each an HTTP request). */
  concurrency: number;
};

/**
 * The poller over webhook_deliveries: claims due deliveries (FOR UPDATE SKIP LOCKED, so any number
 * of replicas can run one) up to the free concurrency, sends each, and polls again at once while
 * there is more to do. A claim is a lease of the request timeout plus a margin: a delivery whose
 * process died is picked up again when it runs out (at-least-once; receivers dedupe on webhook-id).
 */
export function startWebhookDispatcher(deps: AttemptDeps, { pollMs, concurrency }: DispatcherOptions): WebhookDispatcher {
  const leaseMs = deps.settings.timeoutMs + 30_000;
  const inFlight = new Set<Promise<unknown>>();
  let stopping = false;
  let wake: (() => void) | null = null;
  let failing = false;

  const sleep = (ms: number) => new Promise<void>((resolve) => {
    const timer = setTimeout(() => { wake = null; resolve(); }, ms);
    wake = () => { clearTimeout(timer); wake = null; resolve(); };
  });

  async function loop(): Promise<void> {
    while (!stopping) {
      const free = concurrency - inFlight.size;
      if (free <= 0) {
        await sleep(pollMs);
        continue;
      }
      let claimed: Awaited<ReturnType<typeof deps.deliveries.claimDue>> = [];
      try {
        claimed = await deps.deliveries.claimDue(deps.db, free, leaseMs);
        if (failing) deps.logger.info('webhook dispatcher polling again');
        failing = false;
      } catch (err) {
        if (!failing) deps.logger.warn('webhook dispatcher cannot claim deliveries', { err });
        failing = true;
      }
      for (const delivery of claimed) {
        const task = attemptDelivery(deps, delivery)
          .catch((err: unknown) => deps.logger.error('webhook delivery attempt crashed', { delivery_id: delivery.id, err }))
          .finally(() => {
            inFlight.delete(task);
            wake?.();
          });
        inFlight.add(task);
      }
      if (claimed.length < free || failing) await sleep(pollMs);
    }
  }

  const running = loop();
  return {
    kick() {
      wake?.();
    },
    async stop() {
      stopping = true;
      wake?.();
      await running;
      await Promise.allSettled([...inFlight]);
    },
  };
}
