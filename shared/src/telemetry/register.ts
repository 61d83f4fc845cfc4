// The `--import` entry: `node --import @platform/shared/telemetry/register src/main.ts`.
// It runs before the app's first import, so the instrumented modules are patched when they load.
import { register } from 'node:module';
import { telemetryMode } from './telemetry-mode.ts';
import type { Telemetry } from './start-telemetry.ts';

// The ESM loader hook (import-in-the-middle) lets the instrumentations patch modules that ESM code
// imports. Wrapping every module slows start-up and has broken packages before, so only the
// modules we instrument are intercepted; their CommonJS internals are patched by require hooks.
const INSTRUMENTED = ['http', 'https', 'node:http', 'node:https', 'express', 'pg', 'pg-pool', 'ioredis', 'amqplib'];

if (telemetryMode() !== 'disabled') {
  register('@opentelemetry/instrumentation/hook.mjs', import.meta.url, { data: { include: INSTRUMENTED } });
}

// Loaded after the hook is in place, so even the SDK's own imports of http go through it. With the
// SDK disabled it is not loaded at all (its modules and instrumentations cost ~55 MB of RSS).
const { setActiveTelemetry } = await import('./shutdown-telemetry.ts');
const telemetry: Telemetry = telemetryMode() === 'disabled'
  ? { mode: 'disabled', flush: async () => {}, shutdown: async () => {} }
  : (await import('./start-telemetry.ts')).startTelemetry();
setActiveTelemetry(telemetry);

// On the way out: when the app has its own handler (onShutdown) it decides when to exit, so the
// spans so far are flushed now and shutdownTelemetry() as its last step sends the rest. Without a
// handler the SDK is shut down (flushing everything) and the signal re-raised for the default exit.
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.once(signal, () => {
    if (process.listenerCount(signal) > 0) {
      void telemetry.flush();
      return;
    }
    void telemetry.shutdown().finally(() => process.kill(process.pid, signal));
  });
}
