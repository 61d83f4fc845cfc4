import { envelope, errorEnvelope, readJson, sendJson, startFakeServer, type FakeServer } from './http-server.ts';

export type FakeUserLookup = FakeServer & {
  /** The user service's records by id (what POST /internal/users/lookup answers). */
  users: Map<string, Record<string, unknown>>;
  /** While true, every call answers 503 (the user service is down). */
  down: boolean;
  calls: number;
  /** Sets a user's record (version bumped on each call, like the user service). */
  put(id: string, fields?: Record<string, unknown>): Record<string, unknown>;
};

/** The user service's POST /api/v1/internal/users/lookup {ids} → {users, missing}. */
export async function startFakeUserLookup(): Promise<FakeUserLookup> {
  const fake = {} as FakeUserLookup;
  const server = await startFakeServer(async (req, res, url) => {
    fake.calls += 1;
    if (fake.down) return sendJson(res, 503, errorEnvelope(503, 'SYS_003', 'down'));
    if (req.method !== 'POST' || url.pathname !== '/api/v1/internal/users/lookup') return sendJson(res, 404, errorEnvelope(404, 'BIZ_001', 'no route'));
    const { ids } = (await readJson(req)) as { ids: string[] };
    const users = ids.flatMap((id) => (fake.users.has(id) ? [fake.users.get(id)!] : []));
    sendJson(res, 200, envelope({ users, missing: ids.filter((id) => !fake.users.has(id)) }));
  });
  return Object.assign(fake, server, {
    users: new Map<string, Record<string, unknown>>(),
    down: false,
    calls: 0,
    put(id: string, fields: Record<string, unknown> = {}) {
      const before = fake.users.get(id);
      const now = new Date().toISOString();
      const record = {
        id, email: `${id.slice(0, 8)}@example.com`, display_name: `User ${id.slice(0, 8)}`, first_name: null, last_name: null,
        avatar_file_id: null, bio: null, locale: 'en', timezone: 'UTC', role: 'user', status: 'active',
        ban_reason: null, external_source: null, external_id: null, created_by: null, updated_by: null, deleted_at: null,
        created_at: before?.created_at ?? now, ...before, ...fields, version: Number(before?.version ?? 0) + 1, updated_at: now,
      };
      fake.users.set(id, record);
      return record;
    },
  });
}
