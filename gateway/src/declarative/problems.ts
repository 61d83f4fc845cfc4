import type { z } from 'zod';

/** Collects every problem of a file, each prefixed with the entity and field it is about. */
export class Problems {
  readonly list: string[] = [];

  add(at: string, message: string): void {
    this.list.push(`${at}: ${message}`);
  }

  /** Parses value with schema; on failure records each issue under `label` and returns undefined. */
  parse<S extends z.ZodType>(schema: S, value: unknown, label: string): z.infer<S> | undefined {
    const result = schema.safeParse(value);
    if (result.success) return result.data;
    for (const issue of result.error.issues) {
      const at = fieldPath(label, issue.path);
      if (issue.code === 'unrecognized_keys') {
        for (const key of issue.keys) this.add(fieldPath(at, [key]), 'unknown field');
      } else {
        this.add(at, issue.message);
      }
    }
    return undefined;
  }
}

/** `services[auth]` + ['config', 'origins', 0] → `services[auth].config.origins[0]`. */
export function fieldPath(label: string, path: readonly PropertyKey[]): string {
  let out = label;
  for (const part of path) out += typeof part === 'number' ? `[${part}]` : `.${String(part)}`;
  return out;
}

/** An entity's label in messages: its name when it has one, else its position. */
export const labelOf = (list: string, name: unknown, index: number): string =>
  `${list}[${typeof name === 'string' && name ? name : index}]`;

export const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** Kong treats an explicit null like an absent field; dropping them lets the schema apply defaults. */
export function withoutNulls(value: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value)) if (v !== null) out[key] = v;
  return out;
}
