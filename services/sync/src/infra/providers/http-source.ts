import { ProviderError } from '../../usecases/provider-port.ts';

export type SourceResponse = { body: unknown; headers: Headers; url: string };

/**
 * One GET against an external source. Network failures, timeouts, 429 and 5xx are retryable (the
 * job pauses and tries again); other answers fail the job. Messages name the status, never the
 * request headers (they carry the credentials).
 */
export async function getJson(url: string, { headers, timeoutMs, signal }: { headers: Record<string, string>; timeoutMs: number; signal?: AbortSignal }): Promise<SourceResponse> {
  const limit = AbortSignal.timeout(timeoutMs);
  let res: Response;
  try {
    res = await fetch(url, { headers: { accept: 'application/json', ...headers }, redirect: 'error', signal: signal ? AbortSignal.any([limit, signal]) : limit });
  } catch (err) {
    throw new ProviderError(`The source could not be reached (${safeUrl(url)})`, { retryable: true, cause: err });
  }
  const text = await res.text().catch((err: unknown) => {
    throw new ProviderError('The source broke off its answer', { retryable: true, cause: err });
  });
  if (!res.ok) {
    const retryable = res.status >= 500 || res.status === 429 || res.status === 408;
    throw new ProviderError(`The source answered ${res.status} (${safeUrl(url)})`, { retryable });
  }
  try {
    return { body: text === '' ? null : JSON.parse(text), headers: res.headers, url: res.url || url };
  } catch {
    throw new ProviderError('The source answered with invalid JSON', { retryable: false });
  }
}

/** The URL without its query string (which may carry tokens) for messages. */
export function safeUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.origin}${u.pathname}`;
  } catch {
    return '(invalid URL)';
  }
}

/** The rel="next" target of an RFC 8288 Link header, resolved against the request URL. */
export function nextLink(header: string | null, base: string): string | null {
  if (!header) return null;
  for (const part of header.split(/,(?=\s*<)/)) {
    const m = /^\s*<([^>]*)>\s*;(.*)$/.exec(part);
    if (!m) continue;
    const rels = /(?:^|;)\s*rel\s*=\s*"?([^";]+)"?/i.exec(m[2] ?? '')?.[1]?.toLowerCase().split(/\s+/) ?? [];
    if (rels.includes('next')) {
      try { return new URL(m[1]!, base).toString(); } catch { return null; }
    }
  }
  return null;
}

/**
 * A next-page URL must stay on the source's origin: the credentials go with every page request,
 * and a source must not be able to send them elsewhere.
 */
export function sameOrigin(url: string, base: string): boolean {
  try { return new URL(url).origin === new URL(base).origin; } catch { return false; }
}

/** The value at a dot path ("data.users", "meta.next"); '' is the value itself. */
export function atPath(value: unknown, path: string): unknown {
  if (path === '') return value;
  let v = value;
  for (const key of path.split('.')) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<string, unknown>)[key];
  }
  return v;
}
