import { Cron } from 'croner';
import { z } from 'zod';
import { PROVIDERS } from '../domain/connection.ts';

/** A croner pattern (5 fields, or 6 with seconds first); validated by parsing it. */
const schedule = z
  .string()
  .trim()
  .min(1)
  .max(120)
  .superRefine((pattern, ctx) => {
    try {
      new Cron(pattern, { paused: true }).stop();
    } catch (err) {
      ctx.addIssue({ code: 'custom', message: `Not a cron pattern: ${(err as Error).message}` });
    }
  });

const name = z.string().trim().min(1).max(200);
const settings = z.record(z.string(), z.unknown());
/** Secret values by name; in a patch, null removes one. */
const secretValue = z.string().min(1).max(10_000);

export const createConnectionBody = z
  .object({
    name,
    provider: z.enum(PROVIDERS),
    settings: settings.default({}),
    secrets: z.record(z.string(), secretValue).optional(),
    schedule: schedule.nullable().optional(),
    enabled: z.boolean().optional(),
  })
  .strict();

export const patchConnectionBody = z
  .object({
    name: name.optional(),
    settings: settings.optional(),
    secrets: z.record(z.string(), secretValue.nullable()).optional(),
    schedule: schedule.nullable().optional(),
    enabled: z.boolean().optional(),
  })
  .strict();

export const runBody = z.object({ mode: z.enum(['incremental', 'full']).optional() }).strict();

export const idParams = z.object({ id: z.uuid() });

export const previewQuery = z.object({ limit: z.coerce.number().int().min(1).max(100).default(20) });

export const jobListQuery = z.object({
  connection_id: z.uuid().optional(),
  status: z.enum(['queued', 'running', 'succeeded', 'failed', 'partially_succeeded', 'cancelled']).optional(),
});

export type CreateConnectionBody = z.infer<typeof createConnectionBody>;
export type PatchConnectionBody = z.infer<typeof patchConnectionBody>;
