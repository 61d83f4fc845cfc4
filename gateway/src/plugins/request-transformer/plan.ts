// request-transformer's config compiled once at load: entries split, header names lower-cased,
// templates compiled, and for each area whether there is anything to do at all.
import type { RequestTransformerConfig } from './config-schema.ts';
import { splitEntry } from './entries.ts';
import { compileTemplate, type Template, type TemplateSource } from './template.ts';

export type Op = { name: string; value: Template | undefined };

export type Area = {
  remove: string[];
  rename: Op[];
  replace: Op[];
  add: Op[];
  append: Op[];
  /** False when the area has no entry at all (the step is skipped). */
  active: boolean;
};

export type Plan = {
  uri: Template | undefined;
  method: string | undefined;
  headers: Area;
  querystring: Area;
  body: Area;
  /** Which template sources any value reads (their values are captured before the first change). */
  uses: Set<TemplateSource>;
};

type AreaName = 'headers' | 'querystring' | 'body';

export function compilePlan(config: RequestTransformerConfig): Plan {
  const uses = new Set<TemplateSource>();
  const template = (text: string | undefined): Template | undefined => {
    if (text === undefined) return undefined;
    const compiled = compileTemplate(text);
    for (const source of compiled.uses) uses.add(source);
    return compiled;
  };
  const area = (which: AreaName): Area => {
    // Header names are case-insensitive; the upstream headers are keyed in lower case.
    const key = (name: string) => (which === 'headers' ? name.toLowerCase() : name);
    const ops = (entries: string[]): Op[] =>
      entries.map((entry) => {
        const { name, value } = splitEntry(entry);
        return { name: key(name), value: template(value) };
      });
    const compiled = {
      remove: config.remove[which].map(key),
      rename: ops(config.rename[which]),
      replace: ops(config.replace[which]),
      add: ops(config.add[which]),
      append: ops(config.append[which]),
    };
    const active = Object.values(compiled).some((list) => list.length > 0);
    return { ...compiled, active };
  };
  return {
    uri: template(config.replace.uri || undefined),
    method: config.http_method,
    headers: area('headers'),
    querystring: area('querystring'),
    body: area('body'),
    uses,
  };
}
