// request-transformer's body rules (Kong 3.10 access.lua: transform_json_body and
// transform_url_encoded_body), on a body read whole from the client, up to a cap.
import type { IncomingMessage } from 'node:http';
import { GatewayError } from '../plugin.ts';
import { decodeForm, encodeForm, type Form, type FormValue } from './form.ts';
import type { Area } from './plan.ts';
import type { Template } from './template.ts';

/**
 * The largest body the plugin reads to rewrite it. Kong reads any size (spilling to disk); this
 * gateway keeps bodies in memory, so a larger one is refused rather than buffered without limit.
 */
export const BODY_LIMIT_BYTES = 8 * 1024 * 1024;

export type Render = (template: Template | undefined) => string | undefined;

export type BodyKind = 'json' | 'form' | 'multipart';

/** Kong's get_content_type: substring checks, JSON first. */
export function bodyKind(contentType: string | string[] | undefined): BodyKind | undefined {
  if (typeof contentType !== 'string') return undefined;
  const lower = contentType.toLowerCase();
  if (lower.includes('application/json')) return 'json';
  if (lower.includes('multipart/form-data')) return 'multipart';
  if (lower.includes('application/x-www-form-urlencoded')) return 'form';
  return undefined;
}

const tooLarge = () => new GatewayError(413, 'Request size limit exceeded', { code: 'REQ_413' });

/** The whole body, refused with `error` (request-size-limiting's, when it set a smaller limit) past `limit`. */
export async function readBody(req: IncomingMessage, limit = BODY_LIMIT_BYTES, error: () => GatewayError = tooLarge): Promise<Buffer> {
  if (Number(req.headers['content-length'] ?? 0) > limit) throw error();
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) throw error();
    chunks.push(chunk);
  }
  return Buffer.concat(chunks, size);
}

// Lua truthiness of a decoded JSON value: only a missing key and false are falsy (cjson.null is not).
const truthy = (value: unknown) => value !== undefined && value !== false;

type Json = Record<string, unknown>;
const own = (json: Json, name: string): unknown => (Object.hasOwn(json, name) ? json[name] : undefined);
// defineProperty, so a configured name like "__proto__" is a plain key and never a prototype.
const put = (json: Json, name: string, value: unknown) =>
  Object.defineProperty(json, name, { value, writable: true, enumerable: true, configurable: true });

/**
 * Kong's append_value: a string becomes [old, new], a list gets the value pushed, anything else is
 * replaced by [new] (Kong's table.insert into a JSON object would add a key "1"; here an object is
 * replaced like a number).
 */
function appendValue<T>(current: unknown, value: T): unknown[] {
  if (typeof current === 'string') return [current, value];
  if (Array.isArray(current)) {
    current.push(value);
    return current;
  }
  return [value];
}

/** The rewritten body, or undefined to send the original (unparsable, not an object, nothing changed). */
export function transformJsonBody(area: Area, body: Buffer, render: Render): Buffer | undefined {
  const hasContent = body.length > 0;
  let json: Json = {};
  if (hasContent) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(body.toString('utf8'));
    } catch {
      return undefined;
    }
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) return undefined;
    json = parsed as Json;
  }
  let changed = false;
  if (hasContent) {
    for (const name of area.remove) {
      delete json[name];
      changed = true;
    }
    for (const { name, value } of area.rename) {
      const to = render(value);
      const current = own(json, name);
      if (to === undefined || to === name || !truthy(current)) continue;
      delete json[name];
      put(json, to, current);
      changed = true;
    }
    for (const { name, value } of area.replace) {
      const to = render(value);
      if (to === undefined || !truthy(own(json, name))) continue;
      put(json, name, to);
      changed = true;
    }
  }
  for (const { name, value } of area.add) {
    const to = render(value);
    if (to === undefined || truthy(own(json, name))) continue;
    put(json, name, to);
    changed = true;
  }
  for (const { name, value } of area.append) {
    const to = render(value);
    if (to === undefined) continue;
    put(json, name, appendValue(own(json, name), to));
    changed = true;
  }
  return changed ? Buffer.from(JSON.stringify(json)) : undefined;
}

export function transformFormBody(area: Area, body: Buffer, render: Render): Buffer | undefined {
  const hasContent = body.length > 0;
  const form: Form = decodeForm(body.toString('utf8'));
  let changed = false;
  if (hasContent) {
    for (const name of area.remove) {
      form.delete(name);
      changed = true;
    }
    for (const { name, value } of area.rename) {
      const to = render(value);
      const current = form.get(name);
      if (to === undefined || to === name || current === undefined) continue;
      form.delete(name);
      form.set(to, current);
      changed = true;
    }
    for (const { name, value } of area.replace) {
      const to = render(value);
      if (to === undefined || !form.has(name)) continue;
      form.set(name, to);
      changed = true;
    }
  }
  for (const { name, value } of area.add) {
    const to = render(value);
    if (to === undefined || form.has(name)) continue;
    form.set(name, to);
    changed = true;
  }
  for (const { name, value } of area.append) {
    const to = render(value);
    if (to === undefined) continue;
    form.set(name, appendValue<FormValue>(form.get(name), to) as FormValue[]);
    changed = true;
  }
  return changed ? Buffer.from(encodeForm(form)) : undefined;
}
