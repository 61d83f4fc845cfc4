import type { Telemetry } from './start-telemetry.ts';

// On globalThis rather than in a module variable: a test runner or a second copy of the package
// may load this file twice, and every copy must find the one SDK the --import entry started.
const KEY = Symbol.for('@platform/shared/telemetry');
type Holder = { [KEY]?: Telemetry };

export function setActiveTelemetry(telemetry: Telemetry): void {
  (globalThis as Holder)[KEY] = telemetry;
}

/** Whether the process was started with the telemetry entry, and what it does with spans. */
export const telemetryModeOfProcess = (): Telemetry['mode'] | 'absent' => (globalThis as Holder)[KEY]?.mode ?? 'absent';

/** Flushes pending spans and stops the SDK; call it as the last shutdown step (no-op without telemetry). */
export async function shutdownTelemetry(): Promise<void> {
  await (globalThis as Holder)[KEY]?.shutdown();
}
