import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { toImportedUser } from '../src/domain/imported-user.ts';
import { finalStatus, emptyCounts } from '../src/domain/job.ts';
import { createAesSecretBox } from '../src/infra/aes-secret-box.ts';
import { atPath, nextLink, safeUrl, sameOrigin } from '../src/infra/providers/http-source.ts';
import { createRestJsonProvider } from '../src/infra/providers/rest-json-provider.ts';
import { loadSyncConfig } from '../src/config.ts';
import { maxWatermark, parseCursor, startCursor } from '../src/usecases/sync-cursor.ts';

describe('toImportedUser', () => {
  it('normalises a record and derives the display name', () => {
    const r = toImportedUser({ external_id: 42, email: ' Ann.Lee@Example.COM ', first_name: 'Ann', last_name: '  Lee ' }, {});
    expect(r).toEqual({ user: { externalId: '42', email: 'ann.lee@example.com', displayName: 'Ann Lee', firstName: 'Ann', lastName: 'Lee', locale: null, timezone: null } });
    expect(toImportedUser({ external_id: 'x', email: 'solo@example.com' }, {})).toMatchObject({ user: { displayName: 'solo' } });
  });

  it.each([
    [{ email: 'a@example.com' }, 'external_id', 'Missing external id'],
    [{ external_id: '1' }, 'email', 'Missing email'],
    [{ external_id: '1', email: 'no-at-sign' }, 'email', 'Invalid email address'],
    [{ external_id: '1', email: 'a@b' }, 'email', 'Invalid email address'],
    [{ external_id: '1', email: 'a@example.com', display_name: 'x'.repeat(101) }, 'display_name', 'Longer than 100 characters'],
    [{ external_id: { nested: true }, email: 'a@example.com' }, 'external_id', 'Missing external id'],
  ])('refuses %j (%s)', (fields, field, message) => {
    expect(toImportedUser(fields, { raw: true })).toMatchObject({ error: { field, message, raw: { raw: true } } });
  });
});

describe('job outcome', () => {
  it('is partial when some records failed, failed when all did', () => {
    expect(finalStatus(emptyCounts())).toBe('succeeded');
    expect(finalStatus({ ...emptyCounts(), fetched: 5, failed: 1 })).toBe('partially_succeeded');
    expect(finalStatus({ ...emptyCounts(), fetched: 5, failed: 5 })).toBe('failed');
  });
});

describe('sync cursor', () => {
  const done = { pos: null, since: '2026-01-01', max: '2026-02-01' };
  it('starts a full run at the beginning, keeping the watermark', () => {
    expect(startCursor(done, 'full')).toEqual({ pos: null, since: null, max: '2026-02-01' });
  });
  it('reads since the last watermark on an incremental run', () => {
    expect(startCursor(done, 'incremental')).toEqual({ pos: null, since: '2026-02-01', max: '2026-02-01' });
  });
  it('continues a run that stopped half-way', () => {
    const half = { pos: '4', since: '2026-01-01', max: '2026-01-15' };
    expect(startCursor(half, 'incremental')).toEqual(half);
  });
  it('reads garbage as the beginning', () => {
    expect(parseCursor('not json')).toEqual({ pos: null, since: null, max: null });
    expect(parseCursor(null)).toEqual({ pos: null, since: null, max: null });
    expect(maxWatermark(null, 'b')).toBe('b');
    expect(maxWatermark('c', 'b')).toBe('c');
  });
});

describe('http source helpers', () => {
  it('finds rel="next" in a Link header and resolves it', () => {
    const header = '<https://c.example.com/api/v1/accounts/1/users?page=2&per_page=10>; rel="next",<https://c.example.com/api/v1/accounts/1/users?page=1>; rel="first"';
    expect(nextLink(header, 'https://c.example.com/x')).toBe('https://c.example.com/api/v1/accounts/1/users?page=2&per_page=10');
    expect(nextLink('</people?cursor=5>; rel="prev next"', 'https://h.example.com/people')).toBe('https://h.example.com/people?cursor=5');
    expect(nextLink('<https://c.example.com/?page=1>; rel="first"', 'https://c.example.com')).toBeNull();
    expect(nextLink(null, 'https://c.example.com')).toBeNull();
  });
  it('keeps credentials on the source origin and tokens out of messages', () => {
    expect(sameOrigin('https://c.example.com/a', 'https://c.example.com/b')).toBe(true);
    expect(sameOrigin('https://evil.example.com/a', 'https://c.example.com/b')).toBe(false);
    expect(sameOrigin('http://c.example.com/a', 'https://c.example.com/b')).toBe(false);
    expect(safeUrl('https://c.example.com/p?access_token=secret')).toBe('https://c.example.com/p');
  });
  it('reads dot paths', () => {
    expect(atPath({ a: { b: [1] } }, 'a.b')).toEqual([1]);
    expect(atPath([1], '')).toEqual([1]);
    expect(atPath({ a: 1 }, 'a.b')).toBeUndefined();
  });
});

describe('rest-json settings', () => {
  const p = createRestJsonProvider();
  it('fills pagination defaults', () => {
    expect(p.parseSettings({ url: 'https://h.example.com/p', pagination: { type: 'offset' }, mapping: { external_id: 'id', email: 'mail' } }))
      .toMatchObject({ settings: { pagination: { type: 'offset', param: 'offset', size_param: 'limit' }, records_path: '', auth_header: 'authorization' } });
  });
  it('names each bad field', () => {
    const r = p.parseSettings({ url: 'ftp://x', pagination: { type: 'cursor' }, mapping: { external_id: 'id', email: 'mail', role: 'x' } });
    expect('issues' in r && r.issues.map((i) => i.field).sort()).toEqual(['mapping.role', 'pagination.next_path', 'url']);
  });
});

describe('AES-256-GCM secret box', () => {
  const box = createAesSecretBox(randomBytes(32));
  it('round-trips and never stores the plaintext', () => {
    const sealed = box.seal({ token: 'abc-secret' });
    expect(sealed).not.toContain('abc-secret');
    expect(box.seal({ token: 'abc-secret' })).not.toBe(sealed);
    expect(box.open(sealed)).toEqual({ token: 'abc-secret' });
  });
  it('refuses a tampered blob and another key', () => {
    const sealed = box.seal({ token: 'abc' });
    const parts = sealed.split('.');
    parts[3] = Buffer.from('xxxxxxxx').toString('base64url');
    expect(() => box.open(parts.join('.'))).toThrow();
    expect(() => createAesSecretBox(randomBytes(32)).open(sealed)).toThrow();
  });
});

describe('config', () => {
  it('takes the key as hex or base64 and refuses anything else without printing it', () => {
    const key = randomBytes(32);
    expect(loadSyncConfig({ SYNC_SECRET_KEY: key.toString('hex'), SERVICE_CLIENT_SECRET: 's' }).SYNC_SECRET_KEY.equals(key)).toBe(true);
    expect(loadSyncConfig({ SYNC_SECRET_KEY: key.toString('base64'), SERVICE_CLIENT_SECRET: 's' }).SYNC_SECRET_KEY.equals(key)).toBe(true);
    expect(() => loadSyncConfig({ SYNC_SECRET_KEY: 'short-secret-value', SERVICE_CLIENT_SECRET: 's' })).toThrow(/SYNC_SECRET_KEY=\(hidden\)/);
    expect(() => loadSyncConfig({ SERVICE_CLIENT_SECRET: 's' })).toThrow(/SYNC_SECRET_KEY=\(unset\)/);
  });
  it('has the documented defaults', () => {
    const c = loadSyncConfig({ SYNC_SECRET_KEY: randomBytes(32).toString('hex'), SERVICE_CLIENT_SECRET: 's' });
    expect(c).toMatchObject({ PORT: 3004, USER_SERVICE_URL: 'http://127.0.0.1:3002', FILE_SERVICE_URL: 'http://127.0.0.1:3003', CHANGE_RETENTION_DAYS: 30, SYNC_JOB_QUEUE: 'sync.jobs' });
  });
});
