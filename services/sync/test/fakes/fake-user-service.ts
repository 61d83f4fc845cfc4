import { envelope, errorEnvelope, readJson, sendJson, startFakeServer, type FakeServer } from './http-server.ts';

type WireUser = { external_id: string; email: string; display_name: string; first_name: string | null; last_name: string | null; locale: string | null; timezone: string | null };
export type StoredUser = WireUser & { id: string; source: string; status: 'active' | 'inactive'; writes: number };

export type FakeUserService = FakeServer & {
  users: Map<string, StoredUser>;
  /** Every batch-upsert body received. */
  calls: { source: string; users?: WireUser[]; deactivate?: string[] }[];
  /** While set, every call answers this status (503: unavailable). */
  failWith: number | null;
  /** While true, batch-deactivate answers 404 (a user service without the route). */
  refuseDeactivate: boolean;
  /** While set, every upsert item answers `failed` with this code (auth unavailable behind the user service). */
  itemsFailWith: string | null;
  /** Called before each batch is applied (a test can hang or count here). */
  beforeAnswer?: (call: number) => Promise<void> | void;
  /** Called after a batch is applied, before the answer is sent (a crash here loses only the answer). */
  afterApply?: (call: number) => Promise<void> | void;
  bySource(source: string): StoredUser[];
};

const FIELDS = ['email', 'display_name', 'first_name', 'last_name', 'locale', 'timezone'] as const;

/**
 * The user service's POST /api/v1/internal/users/batch-upsert as sync uses it: keyed by (source,
 * external_id), idempotent (an equal record is `unchanged`), an email of another record is a
 * conflict; POST batch-deactivate {source, external_ids} sets status inactive.
 */
export async function startFakeUserService(): Promise<FakeUserService> {
  let seq = 0;
  const fake = {
    users: new Map<string, StoredUser>(),
    calls: [] as FakeUserService['calls'],
    failWith: null as number | null,
    refuseDeactivate: false,
    itemsFailWith: null as string | null,
    beforeAnswer: undefined as FakeUserService['beforeAnswer'],
    afterApply: undefined as FakeUserService['afterApply'],
    bySource(source: string) { return [...fake.users.values()].filter((u) => u.source === source); },
  };
  const server = await startFakeServer(async (req, res, url) => {
    const route = url.pathname.replace('/api/v1/internal/users/', '');
    if (req.method !== 'POST' || (route !== 'batch-upsert' && route !== 'batch-deactivate')) return sendJson(res, 404, errorEnvelope(404, 'BIZ_001', 'Not found'));
    if (!/^Bearer \S+$/.test(req.headers.authorization ?? '')) return sendJson(res, 401, errorEnvelope(401, 'AUTH_001', 'Missing bearer token'));
    const body = (await readJson(req)) as { source: string; users?: WireUser[]; external_ids?: string[] };
    if (!/^[a-z0-9][a-z0-9_.-]{0,63}$/.test(body.source)) return sendJson(res, 400, errorEnvelope(400, 'VAL_002', 'Invalid source'));
    if (fake.failWith) return sendJson(res, fake.failWith, errorEnvelope(fake.failWith, 'SYS_003', 'Unavailable'));
    fake.calls.push({ source: body.source, ...(body.users && { users: body.users }), ...(body.external_ids && { deactivate: body.external_ids }) });
    await fake.beforeAnswer?.(fake.calls.length);
    if (route === 'batch-deactivate' && fake.refuseDeactivate) return sendJson(res, 404, errorEnvelope(404, 'BIZ_001', 'Route not found'));
    if (route === 'batch-upsert' && fake.itemsFailWith) {
      return sendJson(res, 200, envelope({ results: (body.users ?? []).map((w, index) => ({ index, external_id: w.external_id, status: 'failed', error: { code: fake.itemsFailWith, message: 'The auth service is unavailable' } })) }));
    }
    if (route === 'batch-deactivate') {
      const results = (body.external_ids ?? []).map((externalId, index) => {
        const u = fake.users.get(`${body.source}|${externalId}`);
        if (!u) return { index, status: 'not_found' };
        if (u.status === 'inactive') return { index, status: 'unchanged', id: u.id };
        u.status = 'inactive';
        u.writes++;
        return { index, status: 'deactivated', id: u.id };
      });
      await fake.afterApply?.(fake.calls.length);
      return sendJson(res, 200, envelope({ results }));
    }
    const results = (body.users ?? []).map((w, index) => {
      const key = `${body.source}|${w.external_id}`;
      const other = [...fake.users.values()].find((u) => u.email === w.email && `${u.source}|${u.external_id}` !== key);
      if (other) return { index, external_id: w.external_id, status: 'conflict', id: other.id, error: { code: 'BIZ_002', message: 'Email belongs to a user linked to another external record' } };
      const existing = fake.users.get(key);
      if (!existing) {
        const id = `00000000-0000-4000-8000-${String(++seq).padStart(12, '0')}`;
        fake.users.set(key, { ...w, id, source: body.source, status: 'active', writes: 1 });
        return { index, status: 'created', id };
      }
      const same = FIELDS.every((f) => existing[f] === w[f]) && existing.status === 'active';
      if (same) return { index, status: 'unchanged', id: existing.id };
      Object.assign(existing, w, { status: 'active', writes: existing.writes + 1 });
      return { index, status: 'updated', id: existing.id };
    });
    await fake.afterApply?.(fake.calls.length);
    sendJson(res, 200, envelope({ results }));
  });
  return Object.assign(fake, server);
}
