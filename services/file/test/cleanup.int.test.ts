import { existsSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { API } from './helpers.ts';
import { startTransferTestApp, type TransferTestApp } from './transfer-helpers.ts';

let t: TransferTestApp;
beforeAll(async () => { t = await startTransferTestApp({ FILE_RETENTION_DAYS: '30' }); });
afterAll(() => t.stop());

const storedAt = async (fileId: string) =>
  (await t.rows<{ storage_key: string }>('SELECT storage_key FROM files.files WHERE id = $1', [fileId]))[0]!.storage_key;

describe('the cleanup job', () => {
  it('purges the bytes of soft-deleted files and keeps the rows as a record', async () => {
    const user = t.principal();
    const file = await t.upload(user, 'soon deleted\n');
    const keep = await t.upload(user, 'kept\n');
    const key = await storedAt(file.id);
    expect((await request(t.app).delete(`${API}/files/${file.id}`).set('authorization', user.auth)).status).toBe(204);
    expect(existsSync(join(t.storageDir, key))).toBe(true);

    const run = await t.transfers.runCleanup();
    expect(run).toMatchObject({ ran: true, purged: 1, failed: 0 });
    expect(existsSync(join(t.storageDir, key))).toBe(false);
    const [row] = await t.rows<{ status: string; purged: boolean }>('SELECT status, purged_at IS NOT NULL AS purged FROM files.files WHERE id = $1', [file.id]);
    expect(row).toEqual({ status: 'deleted', purged: true });
    expect(existsSync(join(t.storageDir, await storedAt(keep.id)))).toBe(true);

    expect(await t.transfers.runCleanup()).toMatchObject({ ran: true, purged: 0 });
  });

  it('deletes files older than FILE_RETENTION_DAYS: row marked, bytes purged, quota freed, file.deleted sent', async () => {
    const user = t.principal();
    const old = await t.upload(user, 'an old file\n');
    const recent = await t.upload(user, 'a recent file\n');
    await t.rows("UPDATE files.files SET created_at = now() - interval '31 days' WHERE id = $1", [old.id]);
    const key = await storedAt(old.id);

    const run = await t.transfers.runCleanup();
    expect(run).toMatchObject({ ran: true, retired: 1 });
    const [row] = await t.rows('SELECT status, purged_at IS NOT NULL AS purged FROM files.files WHERE id = $1', [old.id]);
    expect(row).toEqual({ status: 'deleted', purged: true });
    expect(existsSync(join(t.storageDir, key))).toBe(false);
    const [quota] = await t.rows('SELECT used_bytes FROM files.quotas WHERE user_id = $1', [user.id]);
    expect(quota).toEqual({ used_bytes: String(recent.size) });
    const events = (await t.outbox('file.deleted')).filter((e) => e.envelope.data.file_id === old.id);
    expect(events).toHaveLength(1);
    expect(events[0]!.envelope.data).toMatchObject({ owner_id: user.id, deleted_by: '00000000-0000-0000-0000-000000000000' });
    expect((await request(t.app).get(`${API}/files/${recent.id}`).set('authorization', user.auth)).status).toBe(200);
  });

  it('gives back the reservation of an upload whose process died (an expired lease)', async () => {
    const user = t.principal();
    // What a process that died mid-upload leaves: bytes reserved under a lease nobody will settle.
    await t.rows('INSERT INTO files.quotas (user_id, reserved_bytes) VALUES ($1, 5000)', [user.id]);
    await t.rows("INSERT INTO files.quota_reservations (id, user_id, bytes, expires_at) VALUES (gen_random_uuid(), $1, 5000, now() - interval '1 minute')", [user.id]);
    const run = await t.transfers.runCleanup();
    expect(run).toMatchObject({ ran: true, usersWithLeasesReclaimed: 1 });
    expect((await t.rows('SELECT reserved_bytes FROM files.quotas WHERE user_id = $1', [user.id]))[0]).toEqual({ reserved_bytes: '0' });
    expect(await t.rows('SELECT id FROM files.quota_reservations WHERE user_id = $1', [user.id])).toEqual([]);
  });

  it('runs on one replica at a time: a pass is skipped while another holds the lock', async () => {
    const user = t.principal();
    const file = await t.upload(user, 'to purge\n');
    expect((await request(t.app).delete(`${API}/files/${file.id}`).set('authorization', user.auth)).status).toBe(204);
    const key = await storedAt(file.id);

    // Another replica's pass, as far as Postgres can tell: a session holding the same advisory lock.
    const other = new pg.Client({ connectionString: t.db.url });
    await other.connect();
    try {
      await other.query("SELECT pg_advisory_lock(hashtextextended('files.cleanup', 0))");
      expect(await t.transfers.runCleanup()).toEqual({ ran: false });
      expect(existsSync(join(t.storageDir, key))).toBe(true);
      await other.query("SELECT pg_advisory_unlock(hashtextextended('files.cleanup', 0))");
    } finally {
      await other.end();
    }

    // Two passes started together: one runs, the other skips or finds nothing left; the work is done once.
    const runs = await Promise.all([t.transfers.runCleanup(), t.transfers.runCleanup()]);
    const ran = runs.filter((r) => r.ran);
    expect(ran.length).toBeGreaterThanOrEqual(1);
    expect(ran.reduce((sum, r) => sum + (r.ran ? r.purged : 0), 0)).toBe(1);
    expect(existsSync(join(t.storageDir, key))).toBe(false);
  });
});
