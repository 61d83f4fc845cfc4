// request-transformer's config as Kong 3.10 defines it (kong/plugins/request-transformer/schema.lua,
// shared/kong/plugin-schemas-3.10/RequestTransformer.json): the same records, defaults and entry
// checks, plus this gateway's template check (only the lookups template.ts compiles are accepted).
import { z } from 'zod';
import { badHeader, HEADER_NAME, splitEntry } from './entries.ts';
import { compileTemplate } from './template.ts';

type Issues = z.core.$RefinementCtx<string>;

function checkTemplate(value: string, issues: Issues): void {
  try {
    compileTemplate(value);
  } catch (err) {
    issues.addIssue({ code: 'custom', message: (err as Error).message });
  }
}

// Header values may not carry line breaks (kong.tools.http.validate_header_value).
const HEADER_VALUE = /^[^\r\n\0]*$/;

/** body and querystring entries of rename/replace/add/append: Kong's check_for_value. */
const valueEntry = z.string().superRefine((entry, issues) => {
  const { name, value } = splitEntry(entry);
  if (!entry.includes(':') || value === undefined) return void issues.addIssue({ code: 'custom', message: `key '${name}' has no value` });
  checkTemplate(value, issues);
});

/** headers entries of replace/add/append: "name:value" with a valid name and value. */
const headerValueEntry = z.string().superRefine((entry, issues) => {
  const { name, value } = splitEntry(entry);
  if (!/^[^:]+:/.test(entry)) return void issues.addIssue({ code: 'custom', message: `invalid value: ${entry}` });
  if (!HEADER_NAME.test(name)) return void issues.addIssue({ code: 'custom', message: badHeader(name) });
  if (value !== undefined && !HEADER_VALUE.test(value)) return void issues.addIssue({ code: 'custom', message: badHeader(value) });
  if (value !== undefined) checkTemplate(value, issues);
});

/** headers entries of rename: "old:new", both valid header names. */
const headerRenameEntry = z.string().superRefine((entry, issues) => {
  const { name, value } = splitEntry(entry);
  if (!/^[^:]+:/.test(entry)) return void issues.addIssue({ code: 'custom', message: `invalid value: ${entry}` });
  for (const part of [name, value ?? '']) {
    if (!HEADER_NAME.test(part)) return void issues.addIssue({ code: 'custom', message: badHeader(part) });
  }
});

const headerName = z.string().regex(HEADER_NAME, { error: (issue) => badHeader(String(issue.input)) });
const list = <T extends z.ZodType>(item: T) => z.array(item).default([]);

const removeRecord = z.strictObject({ body: list(z.string()), headers: list(headerName), querystring: list(z.string()) });
const renameRecord = z.strictObject({ body: list(valueEntry), headers: list(headerRenameEntry), querystring: list(valueEntry) });
const valueRecord = z.strictObject({ body: list(valueEntry), headers: list(headerValueEntry), querystring: list(valueEntry) });
const replaceRecord = valueRecord.extend({
  uri: z
    .string()
    .superRefine((uri, issues) => checkTemplate(uri, issues))
    .optional(),
});

export const requestTransformerSchema = z.strictObject({
  // typedefs.http_method
  http_method: z.string().regex(/^[A-Z]+$/, { error: 'must be an HTTP method in upper case letters, e.g. POST' }).optional(),
  remove: removeRecord.prefault({}),
  rename: renameRecord.prefault({}),
  replace: replaceRecord.prefault({}),
  add: valueRecord.prefault({}),
  append: valueRecord.prefault({}),
});

export type RequestTransformerConfig = z.infer<typeof requestTransformerSchema>;
