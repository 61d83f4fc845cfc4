import request from 'supertest';
import { expect } from 'vitest';
import { API, bearer, waitFor, type TestApp } from './helpers.ts';

export type JobJson = {
  id: string; status: string; mode: string; trigger: string; paused: boolean; pause_reason: string | null; pages: number; error: string | null;
  counts: { fetched: number; created: number; updated: number; unchanged: number; deleted: number; failed: number };
};

export async function createConnection(t: TestApp, body: Record<string, unknown>): Promise<{ id: string }> {
  const res = await request(t.app).post(`${API}/admin/sync/connections`).set('authorization', bearer(t.admin))
    .send({ name: `conn-${Math.random().toString(36).slice(2, 10)}`, ...body });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body.data;
}

export async function runConnection(t: TestApp, connectionId: string, mode: 'incremental' | 'full' = 'incremental'): Promise<string> {
  const res = await request(t.app).post(`${API}/admin/sync/connections/${connectionId}/run`).set('authorization', bearer(t.admin)).send({ mode });
  expect(res.status, JSON.stringify(res.body)).toBe(202);
  expect(res.body.data.job_id).toEqual(expect.any(String));
  return res.body.data.job_id;
}

export async function getJob(t: TestApp, jobId: string): Promise<JobJson> {
  const res = await request(t.app).get(`${API}/admin/sync/jobs/${jobId}`).set('authorization', bearer(t.admin));
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body.data;
}

const ENDED = new Set(['succeeded', 'failed', 'partially_succeeded', 'cancelled']);

export async function waitForJobEnd(t: TestApp, jobId: string, timeoutMs = 20_000): Promise<JobJson> {
  return waitFor(async () => {
    const job = await getJob(t, jobId);
    return ENDED.has(job.status) ? job : null;
  }, { timeoutMs, what: `job ${jobId} to end` });
}

export async function runToEnd(t: TestApp, connectionId: string, mode: 'incremental' | 'full' = 'incremental'): Promise<JobJson> {
  return waitForJobEnd(t, await runConnection(t, connectionId, mode));
}
