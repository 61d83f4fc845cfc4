// response-transformer's JSON rules (Kong 3.10 body_transformer.lua): remove → rename → replace →
// add → append on the top-level keys of a JSON object, values typed by json_types.
import type { Entry } from '../request-transformer/entries.ts';

export type JsonType = 'boolean' | 'number' | 'string';
export type TypedEntry = Entry & { type: JsonType | undefined };

export type JsonRules = {
  remove: string[];
  rename: Entry[];
  replace: TypedEntry[];
  add: TypedEntry[];
  append: TypedEntry[];
};

/**
 * Kong's json_value: the configured text goes through cjson.encode and loses its surrounding
 * quotes (so backslashes come out doubled, like Kong's), then json_types casts it: "number" with
 * tonumber (no value if it is not a number), "boolean" is true only for "true". An empty value is
 * cjson.encode(nil): the text "null".
 */
export function jsonValue(value: string | undefined, type: JsonType | undefined): string | number | boolean | undefined {
  const text = value === undefined ? 'null' : JSON.stringify(value).slice(1, -1).replaceAll('\\"', '"');
  if (type === 'number') {
    const number = text.trim() === '' ? Number.NaN : Number(text);
    return Number.isFinite(number) ? number : undefined;
  }
  if (type === 'boolean') return text === 'true';
  return text;
}

// Lua truthiness of a decoded value: a missing key and false are falsy (cjson.null is not).
const truthy = (value: unknown) => value !== undefined && value !== false;

type Json = Record<string, unknown>;
const own = (json: Json, name: string): unknown => (Object.hasOwn(json, name) ? json[name] : undefined);
const put = (json: Json, name: string, value: unknown) =>
  Object.defineProperty(json, name, { value, writable: true, enumerable: true, configurable: true });

function appendValue(current: unknown, value: unknown): unknown[] {
  if (typeof current === 'string') return [current, value];
  if (Array.isArray(current)) {
    current.push(value);
    return current;
  }
  return [value];
}

/** The transformed body, or undefined when it is not a JSON object (Kong then sends it unchanged). */
export function transformJsonBody(rules: JsonRules, body: Buffer): Buffer | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString('utf8'));
  } catch {
    return undefined;
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) return undefined;
  const json = parsed as Json;

  for (const name of rules.remove) delete json[name];
  for (const { name, value } of rules.rename) {
    const current = own(json, name);
    // Kong would delete a key renamed to itself; here that is a no-op.
    if (current === undefined || value === undefined || value === name) continue;
    delete json[name];
    put(json, value, current);
  }
  for (const { name, value, type } of rules.replace) {
    const v = jsonValue(value, type);
    if (truthy(own(json, name)) && v !== undefined) put(json, name, v);
  }
  for (const { name, value, type } of rules.add) {
    const v = jsonValue(value, type);
    if (!truthy(own(json, name)) && v !== undefined) put(json, name, v);
  }
  for (const { name, value, type } of rules.append) {
    const v = jsonValue(value, type);
    if (v !== undefined) put(json, name, appendValue(own(json, name), v));
  }
  return Buffer.from(JSON.stringify(json));
}
