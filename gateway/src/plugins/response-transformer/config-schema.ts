// response-transformer's config as Kong 3.10 defines it (kong/plugins/response-transformer/schema.lua,
// shared/kong/plugin-schemas-3.10/ResponseTransformer.json): same records, defaults and entry checks.
import { z } from 'zod';
import { badHeader, HEADER_NAME, splitEntry } from '../request-transformer/entries.ts';

const list = <T extends z.ZodType>(item: T) => z.array(item).default([]);

/** "name:value" entries (Kong's match "^[^:]+:.*$"): the value may be empty. */
const colonEntry = z.string().regex(/^[^:]+:/, { error: (issue) => `invalid value: ${String(issue.input)}` });

/** rename.headers: "old:new", both valid header names. */
const headerRenameEntry = z.string().superRefine((entry, issues) => {
  const { name, value } = splitEntry(entry);
  if (!/^[^:]+:/.test(entry)) return void issues.addIssue({ code: 'custom', message: `invalid value: ${entry}` });
  for (const part of [name, value ?? '']) {
    if (!HEADER_NAME.test(part)) return void issues.addIssue({ code: 'custom', message: badHeader(part) });
  }
});

const jsonTypes = list(z.enum(['boolean', 'number', 'string']));

export const responseTransformerSchema = z.strictObject({
  remove: z.strictObject({ json: list(z.string()), headers: list(z.string()) }).prefault({}),
  rename: z.strictObject({ json: list(colonEntry), headers: list(headerRenameEntry) }).prefault({}),
  replace: z.strictObject({ json: list(colonEntry), json_types: jsonTypes, headers: list(colonEntry) }).prefault({}),
  add: z.strictObject({ json: list(colonEntry), json_types: jsonTypes, headers: list(colonEntry) }).prefault({}),
  append: z.strictObject({ json: list(colonEntry), json_types: jsonTypes, headers: list(colonEntry) }).prefault({}),
});

export type ResponseTransformerConfig = z.infer<typeof responseTransformerSchema>;
