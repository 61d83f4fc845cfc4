// The headers Kong sets on the upstream request (kong/runloop/handler.lua, nginx-kong.conf):
// - X-Forwarded-Proto/Host/Port/Path/Prefix: the client's own values only when the connection comes
//   from a trusted proxy (trusted_ips), otherwise what the gateway saw;
// - X-Real-IP: the client address: the peer, or (from a trusted proxy) its X-Real-IP header, else
//   the last X-Forwarded-For hop (nginx realip with real_ip_recursive off);
// - X-Forwarded-For: the incoming chain with the peer appended (as nginx's $proxy_add_x_forwarded_for:
//   the chain is a record, only the last hop is the gateway's word);
// - Via: the incoming Via with "1.1 kong/3.10.0" appended.
import type { IncomingMessage } from 'node:http';
import { normalizeIp, type TrustedIps } from './trusted-ips.ts';
import { VIA } from './kong-texts.ts';

export type Forwarding = {
  clientIp: string;
  peerIp: string;
  trusted: boolean;
  proto: string;
};

const first = (v: string | string[] | undefined): string | undefined => (Array.isArray(v) ? v[0] : v);

export function clientOf(req: IncomingMessage, trustedIps: TrustedIps): Forwarding {
  const peerIp = normalizeIp(req.socket.remoteAddress ?? '');
  const trusted = trustedIps.has(peerIp);
  if (!trusted) return { clientIp: peerIp, peerIp, trusted, proto: 'http' };
  const h = req.headers;
  let clientIp = first(h['x-real-ip'])?.trim();
  if (!clientIp) {
    const xff = first(h['x-forwarded-for']);
    clientIp = xff ? xff.slice(xff.lastIndexOf(',') + 1).trim() : undefined;
  }
  const proto = first(h['x-forwarded-proto'])?.trim().toLowerCase();
  return { clientIp: clientIp || peerIp, peerIp, trusted, proto: proto === 'https' ? 'https' : 'http' };
}

/** Host and port of the request as the client addressed it (Host header, else the listener). */
export function requestHost(req: IncomingMessage): { host: string; port: number } {
  const raw = req.headers.host ?? '';
  const colon = raw.lastIndexOf(':');
  // "[::1]:8000": the colon inside the brackets is not a port separator.
  if (colon > 0 && raw.indexOf(']') < colon) {
    return { host: raw.slice(0, colon).toLowerCase(), port: Number(raw.slice(colon + 1)) || (req.socket.localPort ?? 80) };
  }
  return { host: raw.toLowerCase(), port: req.socket.localPort ?? 80 };
}

/** Writes the forwarding headers into the upstream header object (a copy of the client's without them). */
export function setForwardingHeaders(
  headers: Record<string, string | string[] | undefined>,
  req: IncomingMessage,
  fwd: Forwarding,
  host: string,
  rawPath: string,
  prefix: string | null,
): void {
  const h = req.headers;
  const xff = h['x-forwarded-for'];
  const chain = Array.isArray(xff) ? xff.join(', ') : xff;
  const trusted = fwd.trusted;
  const path = trusted ? first(h['x-forwarded-path']) : undefined;
  const forwardedPrefix = trusted ? first(h['x-forwarded-prefix']) : undefined;
  headers['x-real-ip'] = fwd.clientIp;
  headers['x-forwarded-for'] = chain ? `${chain}, ${fwd.peerIp}` : fwd.peerIp;
  headers['x-forwarded-proto'] = fwd.proto;
  headers['x-forwarded-host'] = (trusted && first(h['x-forwarded-host'])) || host;
  headers['x-forwarded-port'] = (trusted && first(h['x-forwarded-port'])) || String(req.socket.localPort ?? '');
  headers['x-forwarded-path'] = path || rawPath;
  const p = forwardedPrefix || (prefix && prefix !== '/' ? prefix : undefined);
  if (p) headers['x-forwarded-prefix'] = p;
  const via = h.via;
  headers.via = via ? `${Array.isArray(via) ? via.join(', ') : via}, ${VIA}` : VIA;
}
