import type { PoolClient } from '../db/create-pool.ts';
import type { Logger } from '../logger/create-logger.ts';
import type { EventDefinition, EventEnvelope, EventOf } from './define-event.ts';

export type ConsumeContext = {
  /** The transaction the inbox row is written in: write through it so the work and the dedupe commit together. */
  tx: PoolClient;
  /** 1 for the first delivery, counting retries. */
  attempt: number;
  maxAttempts: number;
  queue: string;
  /** A child logger with queue, event id and type. */
  logger: Logger;
  headers: Record<string, unknown>;
  /**
   * Runs fn once the handler's transaction committed (e.g. a pub/sub push that must not announce a
   * rolled-back row); never when it rolled back. Errors are logged, not retried.
   */
  afterCommit: (fn: () => unknown) => void;
};

export type ConsumerDef = {
  readonly queue: string;
  readonly event: EventDefinition;
  readonly handle: (envelope: EventEnvelope, ctx: ConsumeContext) => Promise<void>;
  readonly maxAttempts?: number;
  readonly retryDelaysMs?: readonly number[];
  readonly prefetch?: number;
};

/**
 * One durable queue (`<service>.<purpose>`) bound to one event type. The handler runs inside the
 * transaction that records the event id in the inbox, with the producer's trace as its parent.
 */
export function consumer<D extends EventDefinition>(def: {
  queue: string;
  event: D;
  handle: (envelope: EventOf<D>, ctx: ConsumeContext) => Promise<void>;
  /** Deliveries before the message is parked in the DLQ; default retryDelaysMs.length + 1. */
  maxAttempts?: number;
  /** Waits before each retry; the last one repeats if maxAttempts asks for more. */
  retryDelaysMs?: readonly number[];
  /** Unacked messages the broker hands this consumer at once (default 10). */
  prefetch?: number;
}): ConsumerDef {
  return def as unknown as ConsumerDef;
}

export type ResolvedDef = ConsumerDef & { delays: readonly number[]; attempts: number };

/** Fills in the retry policy and rejects one that cannot work. */
export function resolveDef(def: ConsumerDef, defaultDelays: readonly number[]): ResolvedDef {
  const delays = def.retryDelaysMs ?? defaultDelays;
  const attempts = def.maxAttempts ?? delays.length + 1;
  if (!Number.isInteger(attempts) || attempts < 1) throw new Error(`consumer ${def.queue}: maxAttempts must be a positive integer`);
  if (attempts > 1 && delays.length === 0) throw new Error(`consumer ${def.queue}: retries need at least one delay`);
  if (delays.some((d) => !Number.isInteger(d) || d <= 0)) throw new Error(`consumer ${def.queue}: retry delays must be positive integers (ms)`);
  return { ...def, delays: delays.slice(0, attempts - 1), attempts };
}
