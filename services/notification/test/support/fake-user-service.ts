import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export type FakeUser = { id: string; email: string; display_name: string; locale?: string | null; timezone?: string | null; status?: 'active' | 'banned' | 'deleted' };

export type FakeUserService = {
  url: string;
  users: Map<string, FakeUser>;
  add(user: FakeUser): FakeUser;
  /** While down, connections are cut (as if the process were gone). */
  setDown(down: boolean): void;
  /** Answers every lookup with this error status (e.g. 403: our service account refused); null: normal. */
  failWith(status: number | null): void;
  /** Lookup requests received (their id lists). */
  lookups: string[][];
  /** The Authorization headers it saw. */
  authorizations: string[];
  close(): Promise<void>;
};

/** The user service's POST /api/v1/internal/users/lookup, answering from a map the test fills. */
export async function startFakeUserService(): Promise<FakeUserService> {
  const users = new Map<string, FakeUser>();
  const lookups: string[][] = [];
  const authorizations: string[] = [];
  let down = false;
  let failing: number | null = null;
  const server: Server = createServer((req, res) => {
    if (down) {
      req.socket.destroy();
      return;
    }
    let raw = '';
    req.on('data', (c: Buffer) => { raw += c.toString(); });
    req.on('end', () => {
      if (req.method !== 'POST' || req.url !== '/api/v1/internal/users/lookup') {
        res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ success: false, status_code: 404, data: null, error: { code: 'BIZ_001', message: 'Not found' } }));
        return;
      }
      authorizations.push(req.headers.authorization ?? '');
      if (failing) {
        res.writeHead(failing, { 'content-type': 'application/json' })
          .end(JSON.stringify({ success: false, status_code: failing, data: null, error: { code: failing === 403 ? 'AUTH_003' : 'SYS_001', message: 'refused' } }));
        return;
      }
      const { ids } = JSON.parse(raw) as { ids: string[] };
      lookups.push(ids);
      const found = ids.map((id) => users.get(id)).filter((u): u is FakeUser => Boolean(u));
      const data = {
        users: found.map((u) => ({ id: u.id, email: u.email, display_name: u.display_name, locale: u.locale ?? null, timezone: u.timezone ?? null, status: u.status ?? 'active' })),
        missing: ids.filter((id) => !users.has(id)),
      };
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ success: true, status_code: 200, data, meta: {} }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    users,
    add(user) { users.set(user.id, user); return user; },
    setDown(v) { down = v; },
    failWith(status) { failing = status; },
    lookups,
    authorizations,
    close: () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}
