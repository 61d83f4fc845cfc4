import { mkdtempSync, readdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { text } from 'node:stream/consumers';
import { afterAll, describe, expect, it } from 'vitest';
import { createLocalDiskDriver } from '../src/storage/local-disk-driver.ts';

const dir = mkdtempSync(join(tmpdir(), 'local-driver-'));
const driver = createLocalDiskDriver({ dir });
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const files = (sub: string) => { try { return readdirSync(join(dir, sub)); } catch { return []; } };

describe('local disk driver', () => {
  it('writes under the key, reads it whole or by range, stats and deletes it', async () => {
    await driver.put('ab/one', Readable.from([Buffer.from('hello '), Buffer.from('world')]));
    expect(await text((await driver.get('ab/one'))!)).toBe('hello world');
    expect(await text((await driver.get('ab/one', { start: 6, end: 10 }))!)).toBe('world');
    expect(await driver.stat('ab/one')).toEqual({ size: 11 });
    await driver.delete('ab/one');
    await driver.delete('ab/one');
    expect(await driver.get('ab/one')).toBeNull();
    expect(await driver.stat('ab/one')).toBeNull();
  });

  it('shows nothing under the key until the last byte is written', async () => {
    const body = new PassThrough();
    const done = driver.put('cd/slow', body);
    body.write('first half ');
    await new Promise((r) => setTimeout(r, 20));
    expect(await driver.get('cd/slow')).toBeNull();
    expect(files('cd').some((f) => f.endsWith('.partial'))).toBe(true);
    body.end('second half');
    await done;
    expect(await text((await driver.get('cd/slow'))!)).toBe('first half second half');
    expect(files('cd')).toEqual(['slow']);
  });

  it('leaves nothing behind when the body fails', async () => {
    const body = new PassThrough();
    const done = driver.put('ef/broken', body);
    body.write('some bytes');
    setTimeout(() => body.destroy(new Error('client went away')), 10);
    await expect(done).rejects.toThrow('client went away');
    expect(files('ef')).toEqual([]);
  });

  it('refuses keys that could leave the data directory', async () => {
    for (const key of ['../escape', '/abs', 'a//b', 'a/../../b', '', 'a b', 'x\u0000']) {
      await expect(driver.put(key, Readable.from([Buffer.from('x')])), key).rejects.toThrow(/invalid storage key/);
    }
  });

  it('sweeps interrupted writes older than the cut-off, and nothing else', async () => {
    const body = new PassThrough();
    const done = driver.put('gh/in-flight', body);
    body.write('x');
    await new Promise((r) => setTimeout(r, 20));
    await driver.put('gh/complete', Readable.from([Buffer.from('done')]));
    const old = join(dir, 'gh', 'dead.abc.partial');
    writeFileSync(old, 'left by a crash');
    utimesSync(old, new Date(Date.now() - 3_600_000), new Date(Date.now() - 3_600_000));

    expect(await driver.sweepIncomplete!(new Date(Date.now() - 60_000))).toBe(1);
    expect(files('gh')).toHaveLength(2);
    expect(files('gh')).toContain('complete');
    expect(files('gh').some((f) => /^in-flight\..*\.partial$/.test(f))).toBe(true);
    body.end();
    await done;
    expect(files('gh').sort()).toEqual(['complete', 'in-flight']);
  });

  it('passes its readiness check on a writable directory', async () => {
    await driver.check();
  });
});
