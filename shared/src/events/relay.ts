import { context } from '@opentelemetry/api';
import pg from 'pg';
import type { Pool } from '../db/create-pool.ts';
import type { Logger } from '../logger/create-logger.ts';
import type { Broker } from './broker.ts';
import {
  backlogSources, eventsPublished, eventsPublishFailed, outboxLagSeconds, publishConfirmSeconds, type BacklogSource,
} from './event-metrics.ts';
import { contextFromCarrier } from './trace-headers.ts';

export type OutboxRelayOptions = {
  pool: Pool;
  broker: Broker;
  /** The service schema whose outbox this relay drains. */
  schema: string;
  logger: Logger;
  /** Wait between polls when the outbox is empty (the worst-case publish latency). */
  pollMs?: number;
  /** Rows claimed per transaction. */
  batchSize?: number;
  /** Publisher confirms awaited at once (guide §12: 200 in flight ≈ 12k msg/s, one at a time ≈ 1k). */
  maxInFlight?: number;
  /** A publish not confirmed within this time leaves its row for the next poll. */
  publishTimeoutMs?: number;
  /** Sent rows older than this are deleted. */
  retentionMs?: number;
  purgeEveryMs?: number;
};

export type OutboxRelay = {
  /** Polls now instead of at the next tick (call after committing events when latency matters). */
  kick(): void;
  /** Finishes the batch in progress (its confirms, its commit) and stops polling. */
  stop(): Promise<void>;
};

type OutboxRow = {
  seq: string; id: string; type: string; body: string; source: string | null;
  traceparent: string | null; tracestate: string | null; request_id: string | null; created_at: Date;
};

type PublishResult = { ok: true } | { ok: false; error: string };

const PURGE_CHUNK = 10_000;
const ERROR_LOG_EVERY_MS = 30_000;

/**
 * Publishes the schema's outbox to the broker. Each batch claims unsent rows with FOR UPDATE SKIP
 * LOCKED (replicas share the work, a crashed relay's rows unlock with its transaction), publishes
 * them with up to maxInFlight confirms outstanding, and marks sent only the rows the broker
 * confirmed, in the same transaction. While the broker is down nothing is claimed; the rows wait.
 * A crash after the confirm and before the commit publishes a row twice: consumers dedupe on id.
 */
export function startOutboxRelay(opts: OutboxRelayOptions): OutboxRelay {
  const {
    pool, broker, schema, logger, pollMs = 200, batchSize = 200, maxInFlight = 200,
    publishTimeoutMs = 5_000, retentionMs = 7 * 24 * 3600_000, purgeEveryMs = 10 * 60_000,
  } = opts;
  const table = `${pg.escapeIdentifier(schema)}.outbox`;
  const labels = { schema };
  let stopped = false;
  let wake: (() => void) | undefined;
  let lastErrorLog = 0;

  const sleep = (ms: number) => new Promise<void>((resolve) => {
    const done = () => { clearTimeout(timer); wake = undefined; resolve(); };
    const timer = setTimeout(done, ms);
    wake = done;
  });

  const logError = (message: string, fields: Record<string, unknown>) => {
    const now = Date.now();
    if (now - lastErrorLog < ERROR_LOG_EVERY_MS) return;
    lastErrorLog = now;
    logger.warn(message, { schema, ...fields });
  };

  async function publishRow(row: OutboxRow): Promise<PublishResult> {
    const headers: Record<string, string> = {};
    if (row.traceparent) headers.traceparent = row.traceparent;
    if (row.tracestate) headers.tracestate = row.tracestate;
    if (row.request_id) headers['x-request-id'] = row.request_id;
    const start = performance.now();
    try {
      // Publish inside the producer's stored context: the amqplib instrumentation injects its own
      // publish span into the headers, and it must continue the producer's trace, not the relay's.
      await context.with(contextFromCarrier(headers), () => broker.publish(row.type, Buffer.from(row.body), {
        persistent: true,
        messageId: row.id,
        type: row.type,
        contentType: 'application/json',
        contentEncoding: 'utf-8',
        timestamp: Math.floor(row.created_at.getTime() / 1000),
        ...(row.source && { appId: row.source }),
        headers,
      }, publishTimeoutMs));
      publishConfirmSeconds.observe(labels, (performance.now() - start) / 1000);
      outboxLagSeconds.observe(labels, (Date.now() - row.created_at.getTime()) / 1000);
      eventsPublished.inc({ schema, type: row.type });
      return { ok: true };
    } catch (err) {
      eventsPublishFailed.inc(labels);
      return { ok: false, error: (err as Error).message || String(err) };
    }
  }

  async function publishAll(rows: OutboxRow[]): Promise<PublishResult[]> {
    const results: PublishResult[] = new Array(rows.length);
    let next = 0;
    const lane = async () => {
      while (next < rows.length) {
        const i = next++;
        results[i] = await publishRow(rows[i]!);
      }
    };
    await Promise.all(Array.from({ length: Math.min(maxInFlight, rows.length) }, lane));
    return results;
  }

  // One round trip to open the transaction and claim. Sorting is disabled for this transaction so
  // the claim walks the partial index in order even before the table has statistics: a fresh
  // table filled in a burst otherwise gets a bitmap scan + sort of the whole backlog (≈100× slower).
  const claimSql = `BEGIN; SET LOCAL enable_sort = off;
    SELECT seq, id, type, envelope::text AS body, envelope->>'source' AS source,
           traceparent, tracestate, request_id, created_at
      FROM ${table} WHERE sent_at IS NULL ORDER BY seq LIMIT ${Math.max(1, Math.floor(batchSize))} FOR UPDATE SKIP LOCKED`;

  /** One claim–publish–mark cycle; returns true when the batch was full (more rows may wait). */
  async function relayBatch(probeFirst: boolean): Promise<boolean> {
    // An idle service pays one indexed query per poll, not a transaction.
    if (probeFirst) {
      const probe = await pool.query(`SELECT 1 FROM ${table} WHERE sent_at IS NULL LIMIT 1`);
      if (probe.rowCount === 0) return false;
    }

    const client = await pool.connect();
    let broken = false;
    try {
      // A multi-statement text query returns one result per statement; the claim is the last.
      const results = (await client.query(claimSql)) as unknown as pg.QueryResult<OutboxRow>[];
      const rows = results.at(-1)?.rows ?? [];
      const outcomes = rows.length > 0 ? await publishAll(rows) : [];
      const sent: string[] = [];
      const failedSeqs: string[] = [];
      const failedErrors: string[] = [];
      outcomes.forEach((r, i) => {
        if (r.ok) sent.push(rows[i]!.seq);
        else { failedSeqs.push(rows[i]!.seq); failedErrors.push(r.error.slice(0, 500)); }
      });
      if (failedSeqs.length > 0) {
        await client.query(
          `UPDATE ${table} o SET attempts = o.attempts + 1, last_error = f.error
             FROM unnest($1::bigint[], $2::text[]) AS f(seq, error) WHERE o.seq = f.seq`,
          [failedSeqs, failedErrors],
        );
        logError('outbox publish failed; rows stay for the next poll', { failed: failedSeqs.length, sent: sent.length, err: failedErrors[0] });
      }
      // seq values come from our own bigint column, so inlining them is safe, and it lets the
      // update and the commit travel in one round trip.
      await client.query(sent.length > 0
        ? `UPDATE ${table} SET sent_at = now(), attempts = attempts + 1 WHERE seq = ANY('{${sent.filter((q) => /^\d+$/.test(q)).join(',')}}'::bigint[]); COMMIT`
        : 'COMMIT');
      return rows.length === batchSize && failedSeqs.length === 0;
    } catch (err) {
      try { await client.query('ROLLBACK'); } catch { broken = true; }
      throw err;
    } finally {
      client.release(broken);
    }
  }

  async function loop(): Promise<void> {
    let failures = 0;
    let more = false;
    while (!stopped) {
      try {
        more = broker.isConnected() ? await relayBatch(!more) : false;
        failures = 0;
      } catch (err) {
        failures++;
        more = false;
        logError('outbox relay batch failed', { err });
      }
      if (stopped) break;
      // A full batch means more rows wait: go again at once. Errors back off up to 5 s.
      if (!more) await sleep(failures > 0 ? Math.min(5_000, pollMs * 2 ** failures) : pollMs);
    }
  }

  let purging: Promise<void> | undefined;
  async function purge(): Promise<void> {
    try {
      let deleted = PURGE_CHUNK;
      while (deleted === PURGE_CHUNK && !stopped) {
        const res = await pool.query(
          `DELETE FROM ${table} WHERE seq IN (
             SELECT seq FROM ${table} WHERE sent_at < now() - make_interval(secs => $1) LIMIT ${PURGE_CHUNK})`,
          [retentionMs / 1000],
        );
        deleted = res.rowCount ?? 0;
      }
    } catch (err) {
      logger.warn('outbox purge failed', { schema, err });
    }
  }
  const schedulePurge = () => { if (!purging && !stopped) purging = purge().finally(() => { purging = undefined; }); };
  const purgeTimer = setInterval(schedulePurge, purgeEveryMs);
  purgeTimer.unref();
  const firstPurge = setTimeout(schedulePurge, Math.min(purgeEveryMs, 30_000));
  firstPurge.unref();

  const probe: BacklogSource = async () => {
    const { rows } = await pool.query<{ count: number; age: number }>(
      `SELECT count(*)::int AS count, COALESCE(EXTRACT(EPOCH FROM now() - min(created_at)), 0)::float8 AS age
         FROM ${table} WHERE sent_at IS NULL`,
    );
    return { schema, count: rows[0]?.count ?? 0, oldestAgeSeconds: rows[0]?.age ?? 0 };
  };
  backlogSources.add(probe);

  const running = loop();
  logger.info('outbox relay started', { schema, poll_ms: pollMs, batch_size: batchSize, max_in_flight: maxInFlight });

  return {
    kick: () => wake?.(),
    async stop() {
      if (stopped) return running;
      stopped = true;
      wake?.();
      clearInterval(purgeTimer);
      clearTimeout(firstPurge);
      backlogSources.delete(probe);
      await running;
      await purging;
    },
  };
}
