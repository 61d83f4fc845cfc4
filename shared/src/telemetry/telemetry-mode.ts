type Env = Record<string, string | undefined>;

export type TelemetryMode = 'disabled' | 'local' | 'exporting';

const isTrue = (v: string | undefined) => v !== undefined && ['true', '1', 'yes'].includes(v.trim().toLowerCase());

/**
 * What the standard OTEL_* variables ask for: `disabled` (OTEL_SDK_DISABLED), `local` (spans exist so
 * log lines carry trace ids, but nothing is sent) or `exporting` (an endpoint or exporter is configured).
 */
export function telemetryMode(env: Env = process.env): TelemetryMode {
  if (isTrue(env.OTEL_SDK_DISABLED)) return 'disabled';
  const exporters = (env.OTEL_TRACES_EXPORTER ?? 'otlp').split(',').map((s) => s.trim()).filter(Boolean);
  if (exporters.includes('none')) return 'local';
  if (exporters.includes('console')) return 'exporting';
  // The OTLP default (localhost:4318) would make every process without a collector log export errors forever.
  return env.OTEL_EXPORTER_OTLP_ENDPOINT || env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT ? 'exporting' : 'local';
}
