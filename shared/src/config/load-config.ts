import type { z } from 'zod';

// URLs carry credentials (amqp://user:pass@...) and SERVICE_ACCOUNTS carries client secrets.
const SECRET = /PASSWORD|SECRET|TOKEN|KEY|URL|ACCOUNTS|CREDENTIAL/i;

/** Parses env with a zod schema; on failure names every bad variable at once (values hidden when they may be secret). */
export function loadConfig<S extends z.ZodType>(schema: S, env: Record<string, string | undefined> = process.env): z.infer<S> {
  const result = schema.safeParse(env);
  if (result.success) return result.data;
  const lines = result.error.issues.map((issue) => {
    const name = String(issue.path[0] ?? '(root)');
    const value = env[name];
    const shown = value === undefined ? '(unset)' : SECRET.test(name) ? '(hidden)' : JSON.stringify(value);
    return `  ${name}=${shown}: ${issue.message}`;
  });
  throw new Error(`Invalid configuration:\n${lines.join('\n')}`);
}
