import request from 'supertest';
import { expect } from 'vitest';
import { generateOpaqueToken, hashToken } from '../src/domain/opaque-token.ts';
import { API, bearer, type TestApp } from './helpers.ts';

// Helpers for the account-flow tests (password reset/change, verification, admin audit, internal routes).

export type LinkPurpose = 'verify_email' | 'reset_password' | 'set_password';

/** A link token stored for the user as the service would store it; returns the plaintext. */
export async function seedLinkToken(
  t: TestApp, userId: string, purpose: LinkPurpose, opts: { expiresInS?: number; used?: boolean } = {},
): Promise<string> {
  const token = generateOpaqueToken();
  await t.rows(
    `INSERT INTO auth.one_time_tokens (user_id, purpose, token_hash, expires_at, used_at)
     VALUES ($1, $2, $3, now() + make_interval(secs => $4), CASE WHEN $5 THEN now() END)`,
    [userId, purpose, hashToken(token), opts.expiresInS ?? 3600, opts.used ?? false]);
  return token;
}

/** The token carried by the latest outbox event of this type about this user. */
export async function tokenFromOutbox(t: TestApp, type: string, userId: string): Promise<string> {
  const events = (await t.outbox(type)).filter((e) => e.envelope.data.user_id === userId);
  expect(events.length, `no ${type} event for ${userId}`).toBeGreaterThan(0);
  return events.at(-1)!.envelope.data.token as string;
}

/** A registered user promoted to admin, with an access token that carries the role. */
export async function registerAdmin(t: TestApp): Promise<{ userId: string; email: string; accessToken: string }> {
  const u = await t.register();
  await t.rows(`UPDATE auth.users SET role = 'admin' WHERE id = $1`, [u.userId]);
  const res = await request(t.app).post(`${API}/public/auth/login`).set('x-forwarded-for', t.ip()).send({ email: u.email, password: u.password });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return { userId: u.userId, email: u.email, accessToken: res.body.data.access_token as string };
}

/** A client_credentials token for a service account, as another service would hold. */
export const serviceToken = (t: TestApp, clientId = 'users'): string => t.deps.signer.signServiceToken({ clientId }).token;

export const sessionsList = (t: TestApp, accessToken: string) =>
  request(t.app).get(`${API}/auth/sessions`).set('authorization', bearer(accessToken));

export const loginAs = (t: TestApp, email: string, password: string, ip = t.ip()) =>
  request(t.app).post(`${API}/public/auth/login`).set('x-forwarded-for', ip).send({ email, password });

export const auditRows = (t: TestApp, event: string, userId: string) =>
  t.rows<{ actor_id: string | null; details: Record<string, unknown> }>(
    `SELECT actor_id, details FROM auth.audit_log WHERE event = $1 AND user_id = $2 ORDER BY id`, [event, userId]);
