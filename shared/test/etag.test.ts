import express, { type Request } from 'express';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { AppError, isAppError } from '../src/errors/index.ts';
import { etagOf, expectedVersion, notModified, sendNotModified, setEtag } from '../src/http/index.ts';

const req = (headers: Record<string, string>) => ({ headers }) as unknown as Request;

function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (err) {
    return err;
  }
  return expect.unreachable();
}

describe('expectedVersion (If-Match)', () => {
  it('reads the version from a quoted tag, weak or strong, ignoring surrounding spaces', () => {
    expect(expectedVersion(req({ 'if-match': '"7"' }))).toBe(7);
    expect(expectedVersion(req({ 'if-match': ' W/"7" ' }))).toBe(7);
  });

  it('means no condition when absent or *', () => {
    expect(expectedVersion(req({}))).toBeUndefined();
    expect(expectedVersion(req({ 'if-match': '*' }))).toBeUndefined();
  });

  it.each(['7', '"abc"', '"7", "8"', '""', '"1234567890"'])('refuses the malformed tag %s with VAL_002 naming the header', (value) => {
    const err = thrown(() => expectedVersion(req({ 'if-match': value })));
    expect(isAppError(err) && err.code).toBe('VAL_002');
    expect((err as AppError).options.details).toEqual([{ field: 'if-match', issue: 'invalid_format', message: 'Must be a quoted version' }]);
  });

  it('throws the error the service passes for a malformed tag', () => {
    const own = () => new AppError('VAL_001', 'service-specific');
    const err = thrown(() => expectedVersion(req({ 'if-match': 'nope' }), own));
    expect(isAppError(err) && err.message).toBe('service-specific');
  });
});

describe('notModified (If-None-Match)', () => {
  it('matches the current version in a list of tags, weak or strong, or *', () => {
    expect(notModified(req({ 'if-none-match': '"3", W/"4"' }), 4)).toBe(true);
    expect(notModified(req({ 'if-none-match': '*' }), 4)).toBe(true);
    expect(notModified(req({ 'if-none-match': '"3"' }), 4)).toBe(false);
    expect(notModified(req({}), 4)).toBe(false);
  });
});

describe('setEtag / sendNotModified', () => {
  const app = express();
  app.get('/plain', (_req, res) => { setEtag(res, 3); res.json({}); });
  app.get('/mine', (_req, res) => { setEtag(res, 3, { perCaller: true }); res.json({}); });
  app.get('/304', (_req, res) => { sendNotModified(res, 5, { perCaller: true }); });

  it('quotes the version as ETag; per-caller answers are private and vary on Authorization', async () => {
    expect(etagOf(12)).toBe('"12"');
    const plain = await request(app).get('/plain');
    expect(plain.headers.etag).toBe('"3"');
    expect(plain.headers.vary).toBeUndefined();
    const mine = await request(app).get('/mine');
    expect(mine.headers).toMatchObject({ etag: '"3"', 'cache-control': 'private, no-cache', vary: 'Authorization' });
  });

  it('answers 304 with no body and the current ETag', async () => {
    const res = await request(app).get('/304');
    expect(res.status).toBe(304);
    expect(res.text).toBe('');
    expect(res.headers).toMatchObject({ etag: '"5"', 'cache-control': 'private, no-cache', vary: 'Authorization' });
  });
});
