import type { z } from 'zod';
import type { SettingsIssue } from '../../usecases/provider-port.ts';

/** Parses provider settings with a strict zod schema into the adapter interface's answer. */
export function parseWith<S extends z.ZodType>(schema: S, settings: unknown): { settings: z.infer<S> & Record<string, unknown> } | { issues: SettingsIssue[] } {
  const result = schema.safeParse(settings ?? {});
  if (result.success) return { settings: result.data as z.infer<S> & Record<string, unknown> };
  const issues: SettingsIssue[] = [];
  for (const issue of result.error.issues) {
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) issues.push({ field: [...issue.path, key].join('.'), issue: 'unknown_field', message: 'Unknown field' });
    } else {
      issues.push({ field: issue.path.join('.') || 'settings', issue: issue.code, message: issue.message });
    }
  }
  return { issues };
}
