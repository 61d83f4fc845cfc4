import pg from 'pg';
import type { Db } from '../db/create-pool.ts';
import { currentRequestId } from '../logger/request-store.ts';
import type { EventEnvelope } from './define-event.ts';
import { currentTraceCarrier } from './trace-headers.ts';

export type Outbox = {
  /**
   * Writes the event in the caller's transaction (pass the transaction's client), so it is
   * published if and only if the change commits. Stores the current trace context and request id:
   * the relay publishes later, from another async context, and sets them as message headers.
   */
  add(tx: Db, envelope: EventEnvelope): Promise<void>;
  /** Same as add for several events, in one statement. */
  addMany(tx: Db, envelopes: readonly EventEnvelope[]): Promise<void>;
};

/** The outbox of one service schema (`<schema>.outbox`, created by migrate()). */
export function createOutbox(schema: string): Outbox {
  const table = `${pg.escapeIdentifier(schema)}.outbox`;
  const insert = `INSERT INTO ${table} (id, type, version, envelope, traceparent, tracestate, request_id)
    SELECT * FROM unnest($1::uuid[], $2::text[], $3::int[], $4::json[], $5::text[], $6::text[], $7::text[])`;

  const addMany = async (tx: Db, envelopes: readonly EventEnvelope[]) => {
    if (envelopes.length === 0) return;
    const { traceparent = null, tracestate = null } = currentTraceCarrier();
    const requestId = currentRequestId() ?? null;
    await tx.query(insert, [
      envelopes.map((e) => e.id),
      envelopes.map((e) => e.type),
      envelopes.map((e) => e.version),
      envelopes.map((e) => JSON.stringify(e)),
      envelopes.map(() => traceparent),
      envelopes.map(() => tracestate),
      envelopes.map(() => requestId),
    ]);
  };

  return {
    add: (tx, envelope) => addMany(tx, [envelope]),
    addMany,
  };
}
