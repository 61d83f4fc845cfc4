import type { IncomingMessage } from 'node:http';
import { trace } from '@opentelemetry/api';
import { NodeSDK } from '@opentelemetry/sdk-node';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { ExpressInstrumentation, ExpressLayerType } from '@opentelemetry/instrumentation-express';
import { PgInstrumentation } from '@opentelemetry/instrumentation-pg';
import { IORedisInstrumentation } from '@opentelemetry/instrumentation-ioredis';
import { AmqplibInstrumentation } from '@opentelemetry/instrumentation-amqplib';
import { telemetryMode, type TelemetryMode } from './telemetry-mode.ts';

type Env = Record<string, string | undefined>;
// The SDK's own SpanProcessor type (sdk-node pins its own sdk-trace version).
type SpanProcessor = NonNullable<NonNullable<ConstructorParameters<typeof NodeSDK>[0]>['spanProcessors']>[number];

export type Telemetry = {
  /** `disabled`: OTEL_SDK_DISABLED; `local`: spans exist (log lines carry trace ids) but go nowhere; `exporting`: spans are sent. */
  mode: TelemetryMode;
  /** Sends the spans ended so far; tracing goes on. */
  flush: () => Promise<void>;
  /** Flushes pending spans and stops the SDK; safe to call more than once. */
  shutdown: () => Promise<void>;
};

// Probes and scrapes arrive every few seconds and would drown the traces that matter.
const UNTRACED_PATHS = /\/(health|live|ready|metrics)\/?$/;

/** Only the instrumentations the guide names (§10, §12): each hook costs on every call, fs/dns/net most of all. */
export function platformInstrumentations() {
  return [
    new HttpInstrumentation({
      ignoreIncomingRequestHook: (req: IncomingMessage) => UNTRACED_PATHS.test((req.url ?? '').split('?')[0] ?? ''),
    }),
    // Middleware spans (json parser, request context, auth …) add cost and noise; routers and handlers carry the route.
    new ExpressInstrumentation({ ignoreLayersType: [ExpressLayerType.MIDDLEWARE] }),
    // Without a parent these would be pool chatter and relay polls, one root trace each.
    new PgInstrumentation({ requireParentSpan: true }),
    new IORedisInstrumentation({ requireParentSpan: true }),
    new AmqplibInstrumentation(),
  ];
}

// Keeps a TracerProvider alive (so spans and trace ids exist) when nothing should be exported.
const localOnly: SpanProcessor = {
  onStart: () => {},
  onEnd: () => {},
  forceFlush: async () => {},
  shutdown: async () => {},
};

/** Starts the NodeSDK from the standard OTEL_* variables; the `--import` entry (register.ts) calls this. */
export function startTelemetry(env: Env = process.env): Telemetry {
  const mode = telemetryMode(env);
  if (mode === 'disabled') return { mode, flush: async () => {}, shutdown: async () => {} };
  const sdk = new NodeSDK({
    serviceName: env.OTEL_SERVICE_NAME ?? env.SERVICE_NAME,
    instrumentations: platformInstrumentations(),
    // Metrics are prom-client's job and logs are winston's: no OTLP meter/logger providers.
    metricReaders: [],
    logRecordProcessors: [],
    // Unset spanProcessors lets the SDK build the exporter from OTEL_TRACES_EXPORTER / OTEL_EXPORTER_OTLP_* itself.
    ...(mode === 'local' && { spanProcessors: [localOnly] }),
  });
  sdk.start();
  let stopping: Promise<void> | undefined;
  // NodeSDK has no flush of its own; the registered provider (behind the API's proxy) has.
  const provider = trace.getTracerProvider() as { getDelegate?: () => { forceFlush?: () => Promise<void> } };
  return {
    mode,
    flush: async () => { await provider.getDelegate?.().forceFlush?.().catch(() => {}); },
    shutdown: () => (stopping ??= sdk.shutdown().catch(() => {})),
  };
}
