import { context, propagation, ROOT_CONTEXT, type Context } from '@opentelemetry/api';

export type TraceCarrier = { traceparent?: string; tracestate?: string };

/** The active W3C trace context, to be stored with an event written now and published later. */
export function currentTraceCarrier(): TraceCarrier {
  const carrier: Record<string, string> = {};
  propagation.inject(context.active(), carrier);
  return {
    ...(carrier.traceparent && { traceparent: carrier.traceparent }),
    ...(carrier.tracestate && { tracestate: carrier.tracestate }),
  };
}

/** AMQP header values arrive as strings or Buffers depending on how the publisher encoded them. */
export function headerString(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (Buffer.isBuffer(value)) return value.toString('utf8');
  return undefined;
}

/** The trace context carried by a message (or stored in an outbox row), as a parent for new spans. */
export function contextFromCarrier(headers: Record<string, unknown> | undefined): Context {
  const traceparent = headerString(headers?.traceparent);
  if (!traceparent) return ROOT_CONTEXT;
  const tracestate = headerString(headers?.tracestate);
  return propagation.extract(ROOT_CONTEXT, { traceparent, ...(tracestate && { tracestate }) });
}
