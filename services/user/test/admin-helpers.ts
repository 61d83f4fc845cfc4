import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { API, type AuthIdentity, type FakeAuthRequest, type TestApp } from './helpers.ts';

/** How the fake auth answers the account routes: as auth does, or failing in a chosen way. */
export type AuthMode = 'ok' | 'fail500' | 'timeout' | 'lastAdmin';

export type AuthAccounts = {
  mode: AuthMode;
  /** Daily login records GET /internal/logins/daily pages through. */
  logins: { date: string; user_id: string; logins: number }[];
  /** The account-route calls auth received (PATCH /internal/users/:id, POST /internal/users, GET logins). */
  calls(): FakeAuthRequest[];
};

const ACCOUNT_PATHS = /^\/api\/v1\/internal\/(users(\/[^/]+)?|logins\/daily)$/;

/**
 * Teaches the fake auth the internal account routes the user service calls: PATCH /internal/users/:id
 * (last-admin rule included), POST /internal/users (idempotent on email) and GET /internal/logins/daily
 * (paginated). `mode` makes it answer 500, hang past the client's timeout, or refuse with BIZ_003.
 */
export function installAuthAccounts(t: TestApp): AuthAccounts {
  const state: AuthAccounts = {
    mode: 'ok',
    logins: [],
    calls: () => t.auth.calls.filter((c) => ACCOUNT_PATHS.test(c.path) && !(c.method === 'GET' && c.path.startsWith('/api/v1/internal/users/'))),
  };
  const identity = (i: AuthIdentity) => ({ ...i, created_at: new Date().toISOString() });
  const failing = async (): Promise<[number, unknown] | null> => {
    if (state.mode === 'fail500') return [500, { code: 'SYS_001', message: 'Internal server error' }];
    if (state.mode === 'timeout') {
      await new Promise((r) => setTimeout(r, t.config.AUTH_TIMEOUT_MS + 500));
      return [500, { code: 'SYS_001', message: 'too late' }];
    }
    return null;
  };

  t.auth.on('PATCH', /^\/api\/v1\/internal\/users\/([^/]+)$/, async (req, [id]) => {
    const failed = await failing();
    if (failed) return failed;
    const current = t.auth.identities.get(id!);
    if (!current) return [404, { code: 'BIZ_001', message: `User ${id} not found` }];
    const change = req.body as Partial<AuthIdentity>;
    const next = { ...current, ...change };
    const activeAdmins = [...t.auth.identities.values()].filter((i) => i.role === 'admin' && i.status === 'active');
    const wasAdmin = current.role === 'admin' && current.status === 'active';
    const staysAdmin = next.role === 'admin' && next.status === 'active';
    if (state.mode === 'lastAdmin' || (wasAdmin && !staysAdmin && activeAdmins.every((a) => a.id === id))) {
      return [422, { code: 'BIZ_003', message: 'At least one admin must remain' }];
    }
    t.auth.identities.set(id!, next);
    return [200, identity(next)];
  });

  t.auth.on('POST', /^\/api\/v1\/internal\/users$/, async (req) => {
    const failed = await failing();
    if (failed) return failed;
    const body = req.body as { users: { email: string; display_name: string; role?: 'user' | 'admin' }[]; source: string };
    const results = body.users.map((u, index) => {
      const email = u.email.trim().toLowerCase();
      if (!/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(email)) {
        return { index, email: u.email, status: 'invalid', error: { code: 'VAL_002', message: 'Invalid email', details: [{ field: 'email', issue: 'invalid_format' }] } };
      }
      const existing = [...t.auth.identities.values()].find((i) => i.email === email);
      if (existing) return { index, email, status: 'exists', id: existing.id };
      const id = randomUUID();
      t.auth.identities.set(id, { id, email, display_name: u.display_name.trim(), role: u.role ?? 'user', status: 'active', email_verified: false });
      return { index, email, status: 'created', id };
    });
    const created = results.filter((r) => r.status === 'created').length;
    return [created > 0 ? 201 : 200, { results, summary: { created } }];
  });

  t.auth.on('GET', /^\/api\/v1\/internal\/logins\/daily$/, async (req) => {
    const failed = await failing();
    if (failed) return failed;
    const limit = Number(req.query?.limit ?? 100);
    const offset = Number(req.query?.offset ?? 0);
    const inRange = state.logins.filter((l) => l.date >= (req.query?.from ?? '') && l.date <= (req.query?.to ?? '9999'));
    return [200, inRange.slice(offset, offset + limit)];
  });
  return state;
}

/** supertest with a bearer token (or none). */
export const as = (t: TestApp, token: string | null) => {
  const auth = <R extends request.Test>(r: R) => (token ? r.set('authorization', token) : r);
  return {
    get: (path: string) => auth(request(t.app).get(`${API}${path}`)),
    post: (path: string, body?: unknown) => auth(request(t.app).post(`${API}${path}`)).send(body as object),
    put: (path: string, body?: unknown) => auth(request(t.app).put(`${API}${path}`)).send(body as object),
    patch: (path: string, body?: unknown) => auth(request(t.app).patch(`${API}${path}`)).send(body as object),
    delete: (path: string) => auth(request(t.app).delete(`${API}${path}`)),
  };
};
