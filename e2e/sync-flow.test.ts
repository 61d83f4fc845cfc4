// The sync service through the front door with the real user and auth services: `npm start`'s
// launcher brings up the platform; an admin creates a rest-json connection to a JSON API served by
// this test, runs it, watches the job end, finds the imported people in the user service, and a
// second run changes nothing; the connection's secret never comes back. A CSV uploaded to the file
// service is imported the same way, read through the file service's internal content API.
import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call } from './support/http.ts';
import { startPlatform, type PlatformProcess } from './support/platform-process.ts';

const api = 'http://127.0.0.1:8000/KONGAPI/api/v1';
const label = `sf${randomBytes(3).toString('hex')}`;
const SOURCE_KEY = `source-key-${randomBytes(8).toString('hex')}`;
const PEOPLE = Array.from({ length: 30 }, (_, i) => ({ id: `${label}-${i}`, name: `Sync Person ${i}`, mail: `${label}.${i}@example.com` }));
let platform: PlatformProcess;
let source: Server;
let sourceUrl: string;
let token: string;

beforeAll(async () => {
  // A JSON API with ?page=&per_page= paging and an API key header.
  source = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    if (req.headers['x-api-key'] !== SOURCE_KEY) { res.writeHead(401).end(); return; }
    const size = Number(url.searchParams.get('per_page') ?? 10);
    const page = Number(url.searchParams.get('page') ?? 1);
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ items: PEOPLE.slice((page - 1) * size, page * size) }));
  });
  await new Promise<void>((r) => source.listen(0, '127.0.0.1', r));
  sourceUrl = `http://127.0.0.1:${(source.address() as AddressInfo).port}`;
  platform = await startPlatform({ LOG_LEVEL: 'warn', SYNC_PAGE_SIZE: '10', SYNC_BATCH_SIZE: '8' });
  const login = await call('POST', `${api}/public/auth/login`, { body: { email: 'admin@platform.local', password: 'DevAdmin-Passw0rd!' } });
  expect(login.status, JSON.stringify(login.body)).toBe(200);
  token = login.body.data.access_token;
});

afterAll(async () => {
  await platform?.stop();
  await new Promise((r) => source?.close(r));
});

async function runToEnd(connectionId: string, mode: 'incremental' | 'full') {
  const run = await call('POST', `${api}/admin/sync/connections/${connectionId}/run`, { token, body: { mode } });
  expect(run.status, JSON.stringify(run.body)).toBe(202);
  const until = Date.now() + 30_000;
  for (;;) {
    const job = await call('GET', `${api}/admin/sync/jobs/${run.body.data.job_id}`, { token });
    expect(job.status).toBe(200);
    if (!['queued', 'running'].includes(job.body.data.status)) return job.body.data;
    if (Date.now() > until) throw new Error(`job still ${job.body.data.status}: ${JSON.stringify(job.body.data)}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe('sync through the gateway', () => {
  it('imports people from a JSON API into the user service, and a second run changes nothing', async () => {
    const created = await call('POST', `${api}/admin/sync/connections`, {
      token,
      body: {
        name: `HR ${label}`,
        provider: 'rest-json',
        settings: {
          url: `${sourceUrl}/people`, auth_header: 'x-api-key', records_path: 'items', pagination: { type: 'page' },
          mapping: { external_id: 'id', email: 'mail', display_name: 'name' },
        },
        secrets: { auth_value: SOURCE_KEY },
      },
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    expect(created.body.data).toMatchObject({ has_secrets: true, secret_keys: ['auth_value'] });
    expect(JSON.stringify(created.body)).not.toContain(SOURCE_KEY);

    const first = await runToEnd(created.body.data.id, 'full');
    expect(first, JSON.stringify(first)).toMatchObject({ status: 'succeeded', counts: { fetched: 30, created: 30, failed: 0 } });

    const users = await call('GET', `${api}/admin/users?q=${label}&limit=100`, { token });
    expect(users.status, JSON.stringify(users.body)).toBe(200);
    expect(users.body.data.map((u: { email: string }) => u.email).sort()).toEqual(PEOPLE.map((p) => p.mail).sort());

    const second = await runToEnd(created.body.data.id, 'full');
    expect(second).toMatchObject({ status: 'succeeded', counts: { fetched: 30, created: 0, updated: 0, unchanged: 30, failed: 0 } });

    const refused = await call('GET', `${api}/admin/sync/connections`, {});
    expect(refused.status).toBe(401);
  });

  it('imports a CSV file uploaded to the file service, read through its internal API', async () => {
    const csv = `id;mail;first;last\n${Array.from({ length: 12 }, (_, i) => `${label}-csv-${i};${label}.csv.${i}@example.com;Csv${i};Person`).join('\n')}\n`;
    const form = new FormData();
    form.append('file', new Blob([csv], { type: 'text/csv' }), 'people.csv');
    const upload = await fetch(`${api}/files`, { method: 'POST', headers: { authorization: `Bearer ${token}` }, body: form });
    const uploaded = (await upload.json()) as { data: { id: string } };
    expect(upload.status, JSON.stringify(uploaded)).toBe(201);

    const created = await call('POST', `${api}/admin/sync/connections`, {
      token,
      body: {
        name: `CSV ${label}`, provider: 'csv',
        settings: { file_id: uploaded.data.id, delimiter: ';', mapping: { external_id: 'id', email: 'mail', first_name: 'first', last_name: 'last' } },
      },
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const job = await runToEnd(created.body.data.id, 'full');
    expect(job, JSON.stringify(job)).toMatchObject({ status: 'succeeded', counts: { fetched: 12, created: 12, failed: 0 } });
    const users = await call('GET', `${api}/admin/users?q=${label}.csv&limit=100`, { token });
    expect(users.body.data).toHaveLength(12);
    expect(users.body.data.find((u: { email: string }) => u.email === `${label}.csv.3@example.com`)).toMatchObject({ display_name: 'Csv3 Person' });
  });
});
