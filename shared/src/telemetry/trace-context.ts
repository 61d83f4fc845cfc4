import { context, propagation, ROOT_CONTEXT, trace, type Tracer } from '@opentelemetry/api';

/** The platform's tracer for spans our own code starts (outgoing service calls, relays, consumers). */
export const tracer: Tracer = trace.getTracer('@platform/shared');

/** The active trace id, or undefined outside a span (or without telemetry). */
export function currentTraceId(): string | undefined {
  const span = trace.getActiveSpan()?.spanContext();
  return span && trace.isSpanContextValid(span) ? span.traceId : undefined;
}

/** Writes the active context (W3C traceparent/tracestate, baggage) into a carrier such as HTTP or AMQP headers. */
export function injectTraceContext<C extends Record<string, unknown>>(carrier: C): C {
  propagation.inject(context.active(), carrier);
  return carrier;
}

/** The active traceparent header value, e.g. to store beside an outbox row; undefined when not tracing. */
export function currentTraceparent(): string | undefined {
  const carrier: Record<string, string> = {};
  propagation.inject(context.active(), carrier);
  return carrier.traceparent;
}

/**
 * Runs fn inside the context carried by headers (e.g. an AMQP message or a stored traceparent),
 * so spans fn starts join that trace instead of the current one.
 */
export function withTraceContext<T>(carrier: Record<string, unknown>, fn: () => T): T {
  return context.with(propagation.extract(ROOT_CONTEXT, carrier), fn);
}
