// Kong 3.10's default router (traditional_compatible), compiled once at load. Like Kong's compat
// layer, a route is split into one candidate per kind of path (all its regex paths; its prefix
// paths of one length), each with Kong's priority (kong/router/transform.lua get_priority):
//   1. how many of methods/hosts/paths the route sets  2. hosts without wildcards
//   3. regex paths before prefix paths  4. regex_priority (regex only)  5. the longer prefix
// Candidates are tried in that order (declaration order on a tie); the first full match wins.
import type { Route, Service } from '../declarative/model.ts';
import { upstreamPath } from './upstream-path.ts';

type HostRule = { kind: 'exact' | 'suffix' | 'prefix'; value: string; port: number | null };

type Candidate = {
  route: Route;
  service: Service;
  methods: Set<string> | null;
  hosts: HostRule[] | null;
  prefixes: string[] | null;
  regexes: RegExp[] | null;
  priority: number[];
};

export type RouteMatch = {
  route: Route;
  service: Service;
  /** Path sent upstream (strip_path and the service path applied), without the query. */
  upstreamPath: string;
  /** The part of the path the route matched (prefix or the regex's match), for X-Forwarded-Prefix. */
  matchedPath: string | null;
  /** Named captures of a regex path (Kong's uri_captures), when any. */
  captures?: Record<string, string>;
};

export type Router = { match(method: string, host: string, port: number, path: string): RouteMatch | null };

function hostRule(written: string): HostRule {
  const colon = written.lastIndexOf(':');
  const port = colon > 0 ? Number(written.slice(colon + 1)) : null;
  const host = port === null ? written : written.slice(0, colon);
  if (host.startsWith('*')) return { kind: 'suffix', value: host.slice(1), port };
  if (host.endsWith('*')) return { kind: 'prefix', value: host.slice(0, -1), port };
  return { kind: 'exact', value: host, port };
}

function hostMatches(rules: HostRule[], host: string, port: number): boolean {
  for (const rule of rules) {
    if (rule.port !== null && rule.port !== port) continue;
    if (rule.kind === 'exact' ? host === rule.value : rule.kind === 'suffix' ? host.endsWith(rule.value) : host.startsWith(rule.value)) {
      return true;
    }
  }
  return false;
}

function candidatesOf(route: Route, service: Service): Candidate[] {
  const methods = route.methods ? new Set(route.methods) : null;
  const hosts = route.hosts ? route.hosts.map(hostRule) : null;
  const plainHostOnly = hosts !== null && hosts.every((h) => h.kind === 'exact') ? 1 : 0;
  const weight = (methods ? 1 : 0) + (hosts ? 1 : 0);
  const base = { route, service, methods, hosts };
  const out: Candidate[] = [];
  if (route.regexPaths.length) {
    out.push({ ...base, prefixes: null, regexes: route.regexPaths, priority: [weight + 1, plainHostOnly, 1, route.regexPriority, 0] });
  }
  const byLength = new Map<number, string[]>();
  for (const p of route.prefixPaths) byLength.set(p.length, [...(byLength.get(p.length) ?? []), p]);
  for (const [length, prefixes] of byLength) {
    out.push({ ...base, prefixes, regexes: null, priority: [weight + 1, plainHostOnly, 0, 0, length] });
  }
  if (!out.length) out.push({ ...base, prefixes: null, regexes: null, priority: [weight, plainHostOnly, 0, 0, 0] });
  return out;
}

function compare(a: number[], b: number[]): number {
  for (let i = 0; i < a.length; i++) {
    const d = (b[i] as number) - (a[i] as number);
    if (d !== 0) return d;
  }
  return 0;
}

export function createRouter(routes: Route[], services: Service[]): Router {
  const serviceById = new Map(services.map((s) => [s.id, s]));
  const candidates = routes
    .flatMap((route) => {
      const service = serviceById.get(route.serviceId);
      return service ? candidatesOf(route, service) : [];
    })
    .map((c, order) => ({ c, order }))
    .sort((x, y) => compare(x.c.priority, y.c.priority) || x.order - y.order)
    .map(({ c }) => c);

  return {
    match(method, host, port, path) {
      for (const c of candidates) {
        if (c.methods && !c.methods.has(method)) continue;
        if (c.hosts && !hostMatches(c.hosts, host, port)) continue;
        let matched: string | null = null;
        let captures: Record<string, string> | undefined;
        if (c.prefixes) {
          for (const prefix of c.prefixes) {
            if (path.startsWith(prefix)) {
              matched = prefix;
              break;
            }
          }
          if (matched === null) continue;
        } else if (c.regexes) {
          for (const regex of c.regexes) {
            const m = regex.exec(path);
            if (m) {
              matched = m[0];
              if (m.groups) captures = { ...m.groups } as Record<string, string>;
              break;
            }
          }
          if (matched === null) continue;
        }
        return {
          route: c.route,
          service: c.service,
          upstreamPath: upstreamPath(path, matched, c.route.stripPath, c.service.path),
          matchedPath: matched,
          ...(captures && { captures }),
        };
      }
      return null;
    },
  };
}
