import { sendJson, startFakeServer, type FakeServer } from './http-server.ts';

export type Person = { id: string; name: string; work_email: string; updated_at: string; [k: string]: unknown };

/** n people with ids p0001…, emails unique to the label. */
export function makePeople(n: number, label = 'p', from = 1): Person[] {
  return Array.from({ length: n }, (_, i) => {
    const k = String(from + i).padStart(4, '0');
    return { id: `${label}${k}`, name: `Person ${label} ${k}`, work_email: `${label}${k}@example.com`, updated_at: `2026-01-01T00:00:${k.slice(-2)}Z` };
  });
}

export type SourceControls = {
  /** Requests seen (path + query), newest last. */
  requests: string[];
  /** The next n page requests answer 503. */
  failNext: number;
  /** Replace the people the source serves. */
  people: Person[];
};

export type PagingKind = 'page' | 'offset' | 'cursor' | 'link' | 'none';

/**
 * A JSON API at GET /api/people answering {data: [...], meta: {next}} in the asked paging style,
 * with ?updated_since= filtering and a required x-api-key.
 */
export async function startRestJsonSource(people: Person[], { kind, apiKey = 'source-key' }: { kind: PagingKind; apiKey?: string }): Promise<FakeServer & SourceControls> {
  const controls: SourceControls = { requests: [], failNext: 0, people };
  const server = await startFakeServer((req, res, url) => {
    controls.requests.push(`${url.pathname}${url.search}`);
    if (url.pathname !== '/api/people') return sendJson(res, 404, { error: 'not found' });
    if (req.headers['x-api-key'] !== apiKey) return sendJson(res, 401, { error: 'bad key' });
    if (controls.failNext > 0) {
      controls.failNext--;
      return sendJson(res, 503, { error: 'busy' });
    }
    const since = url.searchParams.get('updated_since');
    const all = controls.people.filter((p) => !since || p.updated_at > since);
    const size = Number(url.searchParams.get(kind === 'page' ? 'per_page' : 'limit') ?? 25);
    let start = 0;
    if (kind === 'page') start = (Number(url.searchParams.get('page') ?? 1) - 1) * size;
    if (kind === 'offset') start = Number(url.searchParams.get('offset') ?? 0);
    if (kind === 'cursor' || kind === 'link') start = Number(url.searchParams.get('cursor') ?? 0);
    const data = kind === 'none' ? all : all.slice(start, start + size);
    const nextStart = start + data.length;
    const more = kind !== 'none' && nextStart < all.length;
    const headers: Record<string, string> = {};
    if (kind === 'link' && more) {
      const next = new URL(url.toString());
      next.searchParams.set('cursor', String(nextStart));
      headers.link = `<${next.pathname}${next.search}>; rel="next", </api/people>; rel="first"`;
    }
    sendJson(res, 200, { data, meta: { next: kind === 'cursor' && more ? String(nextStart) : null } }, headers);
  });
  return Object.assign(controls, server);
}

export type CanvasUser = { id: number; name: string; sortable_name: string; short_name: string; sis_user_id: string | null; login_id: string; email?: string };

export function makeCanvasUsers(n: number, label = 'c'): CanvasUser[] {
  return Array.from({ length: n }, (_, i) => ({
    id: 1000 + i,
    name: `First${i} Last${i}`,
    sortable_name: `Last${i}, First${i}`,
    short_name: `First${i}`,
    sis_user_id: `SIS${label}${i}`,
    login_id: `${label}${i}@school.example.com`,
    email: `${label}${i}@school.example.com`,
  }));
}

/** Canvas's GET /api/v1/accounts/:id/users: bearer token, per_page (max 100), Link header pagination. */
export async function startCanvasSource(users: CanvasUser[], { token, accountId = '1' }: { token: string; accountId?: string }): Promise<FakeServer & SourceControls & { users: CanvasUser[]; linkBase: string | undefined }> {
  const controls = { requests: [] as string[], failNext: 0, people: [] as Person[], users, linkBase: undefined as string | undefined };
  const server = await startFakeServer((req, res, url) => {
    controls.requests.push(`${url.pathname}${url.search}`);
    if (req.headers.authorization !== `Bearer ${token}`) return sendJson(res, 401, { errors: [{ message: 'Invalid access token.' }] });
    if (url.pathname !== `/api/v1/accounts/${accountId}/users`) return sendJson(res, 404, { errors: [{ message: 'The specified resource does not exist.' }] });
    if (controls.failNext > 0) {
      controls.failNext--;
      return sendJson(res, 503, { errors: [{ message: 'busy' }] });
    }
    const perPage = Math.min(Number(url.searchParams.get('per_page') ?? 10), 100);
    const page = Number(url.searchParams.get('page') ?? 1);
    const data = controls.users.slice((page - 1) * perPage, page * perPage);
    const last = Math.max(1, Math.ceil(controls.users.length / perPage));
    const link = (p: number, rel: string) => {
      const u = new URL(`http://127.0.0.1${url.pathname}${url.search}`);
      u.searchParams.set('page', String(p));
      u.searchParams.set('per_page', String(perPage));
      return `<${controls.linkBase ?? server.url}${u.pathname}${u.search}>; rel="${rel}"`;
    };
    const links = [link(page, 'current'), ...(page < last ? [link(page + 1, 'next')] : []), ...(page > 1 ? [link(page - 1, 'prev')] : []), link(1, 'first'), link(last, 'last')];
    sendJson(res, 200, data, { link: links.join(',') });
  });
  return Object.assign(controls, server);
}

/** The file service's GET /api/v1/internal/files/:id/content: the CSV bytes, streamed in small chunks. */
export async function startFakeFileService(files: Map<string, string>): Promise<FakeServer & { requests: string[] }> {
  const requests: string[] = [];
  const server = await startFakeServer(async (req, res, url) => {
    requests.push(url.pathname);
    if (!/^Bearer \S+$/.test(req.headers.authorization ?? '')) return sendJson(res, 401, { success: false, error: { code: 'AUTH_001', message: 'Missing bearer token' } });
    const m = /^\/api\/v1\/internal\/files\/([^/]+)\/content$/.exec(url.pathname);
    const body = m ? files.get(m[1]!) : undefined;
    if (body === undefined) return sendJson(res, 404, { success: false, status_code: 404, data: null, error: { code: 'BIZ_001', message: 'File not found' } });
    res.writeHead(200, { 'content-type': 'text/csv' });
    const bytes = Buffer.from(body, 'utf8');
    for (let i = 0; i < bytes.length; i += 64) {
      if (!res.write(bytes.subarray(i, i + 64))) await new Promise((r) => res.once('drain', r));
    }
    res.end();
  });
  return Object.assign(server, { requests });
}
