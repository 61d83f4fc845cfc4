import type { Request } from 'express';

const first = (v: string | string[] | undefined): string | undefined => (Array.isArray(v) ? v[0] : v)?.split(',')[0]?.trim();

/**
 * The API root (…/api/v1 as the client addressed it) for URLs this service hands out: tus upload
 * locations and signed links. PUBLIC_API_URL wins when configured. Otherwise a request from a
 * trusted proxy (Express "trust proxy": the gateway) is described by its X-Forwarded-Proto/Host/
 * Port/Prefix, where the prefix is the gateway route that matched (e.g. /KONGAPI/api/v1/uploads,
 * stripped before the request reached us); `route` is that route's part below the API root
 * ('/uploads', '/files'). A direct call gets this service's own address.
 */
export function apiRoot(req: Request, route: string, configured?: string): string {
  if (configured) return configured.replace(/\/+$/, '');
  const trusted = (req.app.get('trust proxy fn') as ((addr: string, i: number) => boolean) | undefined)?.(req.socket.remoteAddress ?? '', 0) ?? false;
  const prefix = trusted ? first(req.headers['x-forwarded-prefix']) : undefined;
  if (trusted && prefix && prefix.endsWith(route)) {
    const proto = first(req.headers['x-forwarded-proto']) === 'https' ? 'https' : 'http';
    const host = first(req.headers['x-forwarded-host']) ?? req.headers.host ?? 'localhost';
    const port = first(req.headers['x-forwarded-port']);
    const defaultPort = proto === 'https' ? '443' : '80';
    // A host header that already carries a port (or an IPv6 literal's brackets) is used as is.
    const hostPort = port && port !== defaultPort && !/:\d+$/.test(host) ? `${host}:${port}` : host;
    return `${proto}://${hostPort}${prefix.slice(0, prefix.length - route.length)}`;
  }
  return `${req.protocol}://${req.headers.host ?? 'localhost'}/api/v1`;
}
