// Kong 3.10's retrieve_tokens: every distinct token from the query (uri_param_names), the cookies
// (cookie_names) and the headers (header_names, first occurrence, "Bearer <token>"). Several distinct
// tokens are refused ("Multiple tokens provided") rather than guessing which one the client meant.
import type { RequestContext } from '../plugin.ts';
import { hasValuelessArg } from '../authentication/query-args.ts';

/** A query argument without "=" (`?jwt`): nginx reads it as boolean true, Kong calls it "Unrecognizable token". */
export const VALUELESS = Symbol('valueless');

export type FoundTokens = { kind: 'none' } | { kind: 'one'; token: string | typeof VALUELESS } | { kind: 'many' };

const BEARER = /\s*[Bb]earer\s+(.+)/;

export type TokenSources = {
  uriParamNames: readonly string[];
  cookieNames: readonly string[];
  /** Lower-case. */
  headerNames: readonly string[];
};

/** nginx's $cookie_<name>: the first cookie of that name (case-insensitive), value as sent. */
function cookieValue(header: string, name: string): string | undefined {
  for (const pair of header.split(';')) {
    const eq = pair.indexOf('=');
    if (eq === -1) continue;
    if (pair.slice(0, eq).trim().toLowerCase() === name) return pair.slice(eq + 1).trim();
  }
  return undefined;
}

/** The first value of a header as the client sent it (Node joins repeated custom headers with ", "). */
function firstHeader(rawHeaders: string[], name: string): string | undefined {
  for (let i = 0; i < rawHeaders.length; i += 2) {
    const key = rawHeaders[i] as string;
    if (key.length === name.length && key.toLowerCase() === name) return rawHeaders[i + 1];
  }
  return undefined;
}

export function retrieveTokens(ctx: RequestContext, sources: TokenSources): FoundTokens {
  const found = new Set<string | typeof VALUELESS>();
  // Parsing the query costs; most requests have none.
  const uriParamNames = ctx.req.url?.includes('?') ? sources.uriParamNames : [];
  for (const name of uriParamNames) {
    let empty = false;
    for (const value of ctx.upstream.query.getAll(name)) {
      if (value !== '') found.add(value);
      else empty = true;
    }
    // `?jwt=` is ignored, `?jwt` is not: only the raw query tells them apart.
    if (empty && hasValuelessArg(ctx.req.url, name)) found.add(VALUELESS);
  }
  const cookies = ctx.req.headers.cookie;
  if (cookies && sources.cookieNames.length > 0) {
    for (const name of sources.cookieNames) {
      const value = cookieValue(cookies, name.toLowerCase());
      if (value) found.add(value);
    }
  }
  for (const name of sources.headerNames) {
    const value = firstHeader(ctx.req.rawHeaders, name);
    if (value === undefined) continue;
    const match = BEARER.exec(value);
    if (match?.[1]) found.add(match[1]);
  }
  if (found.size === 0) return { kind: 'none' };
  if (found.size > 1) return { kind: 'many' };
  const [token] = found;
  return { kind: 'one', token: token as string | typeof VALUELESS };
}
