// Kong's origin matching (kong/plugins/cors/handler.lua configure_origin), compiled once per plugin.
// Entries made only of [A-Za-z0-9.:/-] are compared literally after normalisation; any other entry
// is a regex, anchored at the start and (unless it ends with "$") made to end with "$", matched
// against the request origin's host when the entry has no ":", else against scheme://host[:port].

export type Origin = { domain: string; host: string };

type Entry = { regex: RegExp; byHost: boolean } | { domain: string };

export type OriginPolicy =
  /** No origins, or just "*": Access-Control-Allow-Origin: * without Vary. */
  | { kind: 'any' }
  /** One literal origin: always sent as configured (the browser compares). */
  | { kind: 'single'; origin: string }
  /** A list: the request's origin is echoed when it matches; "*" in the list allows any origin. */
  | { kind: 'list'; hasStar: boolean; entries: Entry[] };

const LITERAL = /^[A-Za-z0-9.:/-]+$/;
// socket.url.parse as far as origins go: scheme "://" [userinfo@] host [":" port].
const URL_PARTS = /^([A-Za-z][A-Za-z0-9+.-]*):\/\/(?:[^@/?#]*@)?(\[[^\]]*\]|[^:/?#]*)(?::(\d*))?/;

/** Kong's normalize_origin: scheme://host plus the port unless it is the scheme's default. */
export function normalizeOrigin(value: string): Origin {
  const parts = URL_PARTS.exec(value);
  if (!parts || !parts[2]) return { domain: value, host: value };
  const [, scheme, host, port] = parts as unknown as [string, string, string, string | undefined];
  const keepPort = port && !((scheme === 'http' && port === '80') || (scheme === 'https' && port === '443'));
  return { domain: `${scheme}://${host}${keepPort ? `:${port}` : ''}`, host };
}

/** The Lua adjustments: drop a leading "^", add a trailing "$"; ngx.re "a" anchors at the start. */
export function compileOriginRegex(entry: string): RegExp {
  let source = entry.endsWith('$') ? entry : `${entry}$`;
  if (source.startsWith('^')) source = source.slice(1);
  return new RegExp(`^(?:${source})`);
}

export function compileOrigins(origins: readonly string[] | undefined): OriginPolicy {
  if (!origins || origins.length === 0 || (origins.length === 1 && origins[0] === '*')) return { kind: 'any' };
  if (origins.length === 1 && LITERAL.test(origins[0]!)) return { kind: 'single', origin: origins[0]! };
  const entries: Entry[] = [];
  for (const entry of origins) {
    if (entry === '*') continue;
    entries.push(LITERAL.test(entry) ? { domain: normalizeOrigin(entry).domain } : { regex: compileOriginRegex(entry), byHost: !entry.includes(':') });
  }
  return { kind: 'list', hasStar: origins.includes('*'), entries };
}

/** The normalized request origin when an entry of the list allows it. */
export function matchOrigin(entries: readonly Entry[], requestOrigin: string): string | undefined {
  const origin = normalizeOrigin(requestOrigin);
  for (const entry of entries) {
    const found = 'regex' in entry ? entry.regex.test(entry.byHost ? origin.host : origin.domain) : entry.domain === origin.domain;
    if (found) return origin.domain;
  }
  return undefined;
}
