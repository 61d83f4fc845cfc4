// Helpers only: importing this entry starts nothing (the SDK starts from ./register.ts via --import).
export { tracer, currentTraceId, currentTraceparent, injectTraceContext, withTraceContext } from './trace-context.ts';
export { shutdownTelemetry, telemetryModeOfProcess } from './shutdown-telemetry.ts';
export { telemetryMode, type TelemetryMode } from './telemetry-mode.ts';
export type { Telemetry } from './start-telemetry.ts';
