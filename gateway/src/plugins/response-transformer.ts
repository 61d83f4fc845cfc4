// Kong's response-transformer (3.10): rewrites the upstream's response headers (header_filter) and,
// for JSON responses, the top-level keys of the body (body_filter), each by remove → rename →
// replace → add → append. As in Kong, the header conditions look at the headers as the upstream
// sent them (before this plugin's own changes), and only add/remove/replace/append json rules make
// the body buffered (rename.json alone does not, as in Kong).
import type { OutgoingHttpHeaders } from 'node:http';
import type { PluginDefinition, PluginHandlers } from './plugin.ts';
import { splitEntry, type Entry } from './request-transformer/entries.ts';
import { responseTransformerSchema, type ResponseTransformerConfig } from './response-transformer/config-schema.ts';
import { transformJsonBody, type JsonRules, type JsonType, type TypedEntry } from './response-transformer/json-body.ts';

type HeaderValue = OutgoingHttpHeaders[string];

/** Kong's is_json_body: any listed media type that is application/json or application/*+json. */
export function isJsonContentType(contentType: HeaderValue): boolean {
  if (typeof contentType !== 'string') return false;
  return contentType.split(',').some((part) => {
    const [type, subtype] = (part.split(';')[0] ?? '').trim().toLowerCase().split('/');
    return type === 'application' && subtype !== undefined && (subtype === 'json' || subtype.endsWith('+json'));
  });
}

type HeaderRules = { remove: string[]; rename: Entry[]; replace: Entry[]; add: Entry[]; append: Entry[] };

const lowerName = ({ name, value }: Entry): Entry => ({ name: name.toLowerCase(), value });

function compileRules(config: ResponseTransformerConfig): { headers: HeaderRules; json: JsonRules; bodyRules: boolean; headerRules: boolean } {
  const entries = (list: string[]) => list.map(splitEntry);
  const typed = (list: string[], types: JsonType[]): TypedEntry[] => list.map((entry, i) => ({ ...splitEntry(entry), type: types[i] }));
  const headers: HeaderRules = {
    remove: config.remove.headers.map((name) => name.toLowerCase()),
    rename: entries(config.rename.headers).map(({ name, value }) => ({ name: name.toLowerCase(), value: value?.toLowerCase() })),
    replace: entries(config.replace.headers).map(lowerName),
    add: entries(config.add.headers).map(lowerName),
    append: entries(config.append.headers).map(lowerName),
  };
  const json: JsonRules = {
    remove: config.remove.json,
    rename: entries(config.rename.json),
    replace: typed(config.replace.json, config.replace.json_types),
    add: typed(config.add.json, config.add.json_types),
    append: typed(config.append.json, config.append.json_types),
  };
  const bodyRules = json.remove.length + json.replace.length + json.add.length + json.append.length > 0;
  const headerRules = Object.values(headers).some((list) => list.length > 0);
  return { headers, json, bodyRules, headerRules };
}

function addHeader(current: HeaderValue, value: string): HeaderValue {
  if (current === undefined) return value;
  return Array.isArray(current) ? [...current, value] : [String(current), value];
}

function transformHeaders(rules: HeaderRules, headers: OutgoingHttpHeaders): void {
  const before = { ...headers };
  for (const name of rules.remove) delete headers[name];
  for (const { name, value } of rules.rename) {
    const current = before[name];
    if (current === undefined || value === undefined) continue;
    headers[value] = current;
    if (value !== name) delete headers[name];
  }
  for (const { name, value } of rules.replace) {
    if (before[name] !== undefined && value !== undefined) headers[name] = value;
  }
  for (const { name, value } of rules.add) {
    if (before[name] === undefined && value !== undefined) headers[name] = value;
  }
  for (const { name, value } of rules.append) {
    if (value !== undefined) headers[name] = addHeader(headers[name], value);
  }
}

export const responseTransformerPlugin: PluginDefinition<typeof responseTransformerSchema> = {
  name: 'response-transformer',
  priority: 800,
  schema: responseTransformerSchema,
  create(config) {
    const rules = compileRules(config);
    const handlers: PluginHandlers = {
      headerFilter(_ctx, upstream) {
        const jsonBefore = isJsonContentType(upstream.headers['content-type']);
        if (rules.headerRules) transformHeaders(rules.headers, upstream.headers);
        // The body is going to change length.
        if (rules.bodyRules && jsonBefore) delete upstream.headers['content-length'];
      },
    };
    // Only then does the proxy buffer this route's responses.
    if (rules.bodyRules) {
      handlers.bodyFilter = (_ctx, body, upstream) => {
        if (!isJsonContentType(upstream.headers['content-type'])) return body;
        return transformJsonBody(rules.json, body) ?? body;
      };
    }
    return handlers;
  },
};
