// The `--import` entry: `node --import @platform/shared/telemetry/register src/main.ts`.
// It must run before the app's first import so the instrumented modules are patched when they load.
import { register } from 'node:module';
import { startTelemetry } from './start-telemetry.ts';
import { setActiveTelemetry } from './shutdown-telemetry.ts';

// The ESM loader hook (import-in-the-middle) lets the instrumentations patch modules that ESM code
// imports. Wrapping every module slows start-up and has broken packages before, so only the
// modules we instrument are intercepted; their CommonJS internals are patched by require hooks.
const INSTRUMENTED = ['http', 'https', 'node:http', 'node:https', 'express', 'pg', 'pg-pool', 'ioredis', 'amqplib'];

if (!['true', '1', 'yes'].includes((process.env.OTEL_SDK_DISABLED ?? '').trim().toLowerCase())) {
  register('@opentelemetry/instrumentation/hook.mjs', import.meta.url, { data: { include: INSTRUMENTED } });
}

const telemetry = startTelemetry();
setActiveTelemetry(telemetry);

// Flush spans on the way out. When the app installed its own handler (onShutdown) it decides when
// to exit; otherwise the signal is re-raised after the flush so the default exit still happens.
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.once(signal, () => {
    const appHandles = process.listenerCount(signal) > 0;
    void telemetry.shutdown().finally(() => {
      if (!appHandles) process.kill(process.pid, signal);
    });
  });
}
