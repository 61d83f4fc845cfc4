import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { externalSource } from '../src/usecases/run-job.ts';
import { startFakeUserService, type FakeUserService } from './fakes/fake-user-service.ts';
import { makeCanvasUsers, startCanvasSource, startFakeFileService } from './fakes/sources.ts';
import { startTestApp, waitFor, type TestApp } from './helpers.ts';
import { createConnection, runToEnd, waitForJobEnd } from './jobs-helpers.ts';

let t: TestApp;
let users: FakeUserService;
const files = new Map<string, string>();
let fileService: Awaited<ReturnType<typeof startFakeFileService>>;

beforeAll(async () => {
  users = await startFakeUserService();
  fileService = await startFakeFileService(files);
  t = await startTestApp({ userServiceUrl: users.url, fileServiceUrl: fileService.url, env: { SYNC_PAGE_SIZE: '10', SYNC_BATCH_SIZE: '7' } });
  t.startWorker();
});
afterAll(async () => {
  await t.stop();
  await users.close();
  await fileService.close();
});

describe('canvas', () => {
  it('imports an account\'s users following the Link header, with the bearer token, and a second run changes nothing', async () => {
    const canvas = await startCanvasSource(makeCanvasUsers(25), { token: 'canvas-secret-token', accountId: '7' });
    try {
      const connection = await createConnection(t, { provider: 'canvas', settings: { base_url: canvas.url, account_id: '7', id_field: 'sis_user_id' }, secrets: { token: 'canvas-secret-token' } });
      const job = await runToEnd(t, connection.id, 'full');
      expect(job).toMatchObject({ status: 'succeeded', pages: 3, counts: { fetched: 25, created: 25, failed: 0 } });
      expect(canvas.requests[0]).toBe('/api/v1/accounts/7/users?per_page=10&include%5B%5D=email');
      expect(canvas.requests.slice(1).map((r) => new URL(r, 'http://x').searchParams.get('page'))).toEqual(['2', '3']);
      const stored = users.bySource(externalSource(connection.id)).sort((a, b) => a.email.localeCompare(b.email));
      expect(stored).toHaveLength(25);
      expect(stored.find((u) => u.external_id === 'SISc3')).toMatchObject({ email: 'c3@school.example.com', display_name: 'First3 Last3', first_name: 'First3', last_name: 'Last3' });
      expect((await runToEnd(t, connection.id, 'full')).counts).toMatchObject({ fetched: 25, unchanged: 25, created: 0, deleted: 0 });
    } finally {
      await canvas.close();
    }
  });

  it('fails with a clear message when Canvas refuses the token, and never shows it', async () => {
    const canvas = await startCanvasSource(makeCanvasUsers(3), { token: 'the-right-token' });
    try {
      const connection = await createConnection(t, { provider: 'canvas', settings: { base_url: canvas.url, account_id: '1' }, secrets: { token: 'a-wrong-canvas-token' } });
      const job = await runToEnd(t, connection.id);
      expect(job.status).toBe('failed');
      expect(job.error).toMatch(/answered 401/);
      expect(t.logs.join('\n')).not.toContain('a-wrong-canvas-token');
      expect(JSON.stringify(await t.outbox())).not.toContain('a-wrong-canvas-token');
    } finally {
      await canvas.close();
    }
  });

  it('refuses to follow a Link to another origin (the token would go with it)', async () => {
    const canvas = await startCanvasSource(makeCanvasUsers(15), { token: 'tok-origin' });
    const other = await startCanvasSource(makeCanvasUsers(15), { token: 'tok-origin' });
    try {
      // The first page's Link header points at the other server.
      canvas.linkBase = other.url;
      const connection = await createConnection(t, { provider: 'canvas', settings: { base_url: canvas.url, account_id: '1' }, secrets: { token: 'tok-origin' } });
      const job = await runToEnd(t, connection.id);
      expect(job).toMatchObject({ status: 'failed', error: 'Canvas pointed the next page to another origin' });
      expect(other.requests).toEqual([]);
    } finally {
      await canvas.close();
      await other.close();
    }
  });
});

describe('csv', () => {
  const header = 'Employee ID;Mail;First;Last\n';
  const rows = (n: number, from = 1, domain = 'corp.example.com') => Array.from({ length: n }, (_, i) => `E${from + i};e${from + i}@${domain};Ann${from + i};Lee\n`).join('');
  const settings = (fileId: string) => ({ file_id: fileId, delimiter: ';', mapping: { external_id: 'Employee ID', email: 'Mail', first_name: 'First', last_name: 'Last' } });

  it('streams a file from the file service and imports its rows page by page', async () => {
    const fileId = randomUUID();
    files.set(fileId, `\uFEFF${header}${rows(23)}`);
    const connection = await createConnection(t, { provider: 'csv', settings: settings(fileId) });
    const job = await runToEnd(t, connection.id, 'full');
    expect(job).toMatchObject({ status: 'succeeded', pages: 3, counts: { fetched: 23, created: 23, failed: 0 } });
    // One download for the whole run: pages continue the same stream.
    expect(fileService.requests.filter((p) => p.includes(fileId))).toHaveLength(1);
    expect(users.bySource(externalSource(connection.id)).find((u) => u.external_id === 'E7')).toMatchObject({ email: 'e7@corp.example.com', display_name: 'Ann7 Lee' });
    // A file has no "changed since": an incremental run reads it all again, and changes nothing.
    expect((await runToEnd(t, connection.id)).counts).toMatchObject({ fetched: 23, unchanged: 23, created: 0 });
    expect((await runToEnd(t, connection.id, 'full')).counts).toMatchObject({ fetched: 23, unchanged: 23, deleted: 0 });
  });

  it('logs bad rows per record and imports the rest', async () => {
    const fileId = randomUUID();
    files.set(fileId, `${header}${rows(3, 1, 'bad.example.com')};nobody@bad.example.com;No;Id\nE9;broken-email;X;Y\n${rows(2, 3, 'bad.example.com')}`);
    const connection = await createConnection(t, { provider: 'csv', settings: settings(fileId) });
    const job = await runToEnd(t, connection.id, 'full');
    expect(job).toMatchObject({ status: 'partially_succeeded', counts: { fetched: 7, created: 4, failed: 3 } });
    const errors = await t.rows<{ record_ref: string | null; message: string }>('SELECT record_ref, message FROM sync.job_errors WHERE job_id = $1 ORDER BY id', [job.id]);
    expect(errors.map((e) => [e.record_ref, e.message])).toEqual([[null, 'Missing external id'], ['E9', 'Invalid email address'], ['E3', 'Duplicate external id in this run']]);
  });

  it('fails the job when the file does not exist', async () => {
    const connection = await createConnection(t, { provider: 'csv', settings: settings(randomUUID()) });
    const job = await runToEnd(t, connection.id);
    expect(job).toMatchObject({ status: 'failed', error: 'The CSV file does not exist in the file service' });
  });
});

describe('scheduled canvas and csv jobs', () => {
  it('import on their cron schedule', async () => {
    const canvas = await startCanvasSource(makeCanvasUsers(12, 'sched'), { token: 'sched-token' });
    const fileId = randomUUID();
    files.set(fileId, 'id,email\nS1,s1@sched.example.com\nS2,s2@sched.example.com\n');
    const scheduler = t.startScheduler();
    try {
      const conns = [
        await createConnection(t, { provider: 'canvas', settings: { base_url: canvas.url, account_id: '1' }, secrets: { token: 'sched-token' }, schedule: '* * * * * *' }),
        await createConnection(t, { provider: 'csv', settings: { file_id: fileId, mapping: { external_id: 'id', email: 'email' } }, schedule: '* * * * * *' }),
      ];
      const expected = [12, 2];
      for (const [i, c] of conns.entries()) {
        const job = await waitFor(async () => (await t.rows<{ id: string }>(`SELECT id FROM sync.jobs WHERE connection_id = $1 AND trigger = 'schedule'`, [c.id]))[0], { what: 'a scheduled job' });
        expect(await waitForJobEnd(t, job.id)).toMatchObject({ status: 'succeeded', trigger: 'schedule', counts: { fetched: expected[i], created: expected[i] } });
      }
    } finally {
      await scheduler.stop();
      await canvas.close();
    }
  });
});
