import { describe, expect, it } from 'vitest';
import { loadFileConfig } from '../src/config.ts';

const SECRET = 'x'.repeat(32);

describe('loadFileConfig', () => {
  it('has the documented defaults', () => {
    const c = loadFileConfig({ LINK_SIGNING_SECRET: SECRET });
    expect(c).toMatchObject({
      PORT: 3003, STORAGE_DRIVER: 'local', MAX_UPLOAD_BYTES: 100 * 1024 * 1024, DEFAULT_QUOTA_BYTES: 1024 * 1024 * 1024, LARGE_UPLOAD_BYTES: 50 * 1024 * 1024,
    });
    expect(c.STORAGE_DIR.endsWith('/.data/files')).toBe(true);
    expect(c.ALLOWED_CONTENT_TYPES).toContain('application/pdf');
    expect(c.FILE_RETENTION_DAYS).toBeUndefined();
  });

  it('keeps an absolute storage dir and splits the allow-list', () => {
    const c = loadFileConfig({ LINK_SIGNING_SECRET: SECRET, STORAGE_DIR: '/srv/files', ALLOWED_CONTENT_TYPES: 'image/*, Application/PDF' });
    expect(c.STORAGE_DIR).toBe('/srv/files');
    expect(c.ALLOWED_CONTENT_TYPES).toEqual(['image/*', 'application/pdf']);
  });

  it('requires a long link-signing secret without printing it', () => {
    expect(() => loadFileConfig({})).toThrow(/LINK_SIGNING_SECRET/);
    expect(() => loadFileConfig({ LINK_SIGNING_SECRET: 'short-secret' })).toThrow(/LINK_SIGNING_SECRET=\(hidden\)/);
  });

  it('requires bucket and credentials for the S3 driver', () => {
    expect(() => loadFileConfig({ LINK_SIGNING_SECRET: SECRET, STORAGE_DRIVER: 's3' })).toThrow(/S3_BUCKET[\s\S]*S3_ACCESS_KEY_ID[\s\S]*S3_SECRET_ACCESS_KEY/);
    expect(loadFileConfig({ LINK_SIGNING_SECRET: SECRET, STORAGE_DRIVER: 's3', S3_BUCKET: 'b', S3_ACCESS_KEY_ID: 'k', S3_SECRET_ACCESS_KEY: 's' }).S3_FORCE_PATH_STYLE).toBe(true);
  });
});
