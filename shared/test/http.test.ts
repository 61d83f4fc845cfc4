import express from 'express';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { AppError } from '../src/errors/index.ts';
import { createLogger } from '../src/logger/index.ts';
import {
  errorMiddleware, healthRouter, jsonBody, notFound, parsePagination, requestContext, sendCreated, sendList, sendOk, validate,
} from '../src/http/index.ts';

const logger = createLogger({ service: 'test', silent: true });
const body = z.object({
  name: z.string().min(2).max(5), age: z.number().int().min(0).max(150), email: z.email().optional(),
  kind: z.enum(['a', 'b']).default('a'), color: z.enum(['red', 'blue']),
}).strict();

function app() {
  const a = express();
  a.use(requestContext());
  a.use('/api/v1', healthRouter({ service: 'test', checks: [{ name: 'ok', check: async () => 1 }] }));
  a.use(jsonBody('1kb'));
  a.post('/things', (req, res) => sendCreated(res, validate(body, req.body)));
  a.get('/things', (req, res) => {
    const page = parsePagination(req.query);
    sendList(res, [{ id: 1 }], { ...page, total: 3 });
  });
  a.get('/boom', () => { throw new Error('secret internals'); });
  a.get('/limit', () => { throw new AppError('RATE_429', 'Too many', { headers: { 'retry-after': '7' } }); });
  a.get('/ok', (_req, res) => sendOk(res, { fine: true }));
  a.use(notFound());
  a.use(errorMiddleware(logger));
  return a;
}

describe('envelope and errors', () => {
  it('wraps success with meta ids and echoes a safe X-Request-ID', async () => {
    const res = await request(app()).get('/ok').set('x-request-id', 'abc-123');
    expect(res.status).toBe(200);
    expect(res.headers['x-request-id']).toBe('abc-123');
    expect(res.body).toMatchObject({ success: true, status_code: 200, data: { fine: true }, meta: { request_id: 'abc-123' } });
    expect(typeof res.body.meta.timestamp).toBe('string');
  });

  it('replaces a request id that is not safe to echo', async () => {
    const res = await request(app()).get('/ok').set('x-request-id', 'bad id with spaces <script>');
    expect(res.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('answers 201 on create', async () => {
    const res = await request(app()).post('/things').send({ name: 'Ann', age: 3, color: 'red' });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ success: true, status_code: 201, data: { name: 'Ann', age: 3, kind: 'a', color: 'red' } });
  });

  it.each([
    ['a missing field', { name: 'Ann', color: 'red' }, 400, 'VAL_001', 'age', 'required'],
    ['a missing enum field', { name: 'Ann', age: 3 }, 400, 'VAL_001', 'color', 'required'],
    ['a value outside an enum', { name: 'Ann', age: 3, color: 'green' }, 422, 'VAL_002', 'color', 'invalid_value'],
    ['a wrong type', { name: 'Ann', age: 'x', color: 'red' }, 400, 'VAL_001', 'age', 'invalid_type'],
    ['an unknown field', { name: 'Ann', age: 3, color: 'red', role: 'admin' }, 400, 'VAL_001', 'role', 'unknown_field'],
    ['a bad format', { name: 'Ann', age: 3, color: 'red', email: 'nope' }, 422, 'VAL_002', 'email', 'invalid_format'],
    ['a value out of range', { name: 'Ann', age: 151, color: 'red' }, 422, 'VAL_003', 'age', 'too_big'],
  ])('rejects %s with the error envelope', async (_label, payload, status, code, field, issue) => {
    const res = await request(app()).post('/things').send(payload);
    expect(res.status).toBe(status);
    expect(res.body).toMatchObject({ success: false, status_code: status, data: null, error: { code } });
    expect(res.body.error.details).toContainEqual(expect.objectContaining({ field, issue }));
    expect(res.body.error.request_id).toBeTruthy();
  });

  it('rejects malformed JSON and oversized bodies', async () => {
    const bad = await request(app()).post('/things').set('content-type', 'application/json').send('{"name":');
    expect(bad.status).toBe(400);
    expect(bad.body.error).toMatchObject({ code: 'VAL_001', message: 'Request body is not valid JSON' });
    const big = await request(app()).post('/things').send({ name: 'x'.repeat(5000), age: 1, color: 'red' });
    expect(big.status).toBe(413);
    expect(big.body).toMatchObject({ success: false, status_code: 413, error: { message: 'Request body is too large' } });
  });

  it('hides internal errors behind SYS_001', async () => {
    const res = await request(app()).get('/boom');
    expect(res.status).toBe(500);
    expect(res.body.error).toMatchObject({ code: 'SYS_001', message: 'Internal server error' });
    expect(JSON.stringify(res.body)).not.toContain('secret internals');
  });

  it('sends the headers an AppError carries', async () => {
    const res = await request(app()).get('/limit');
    expect(res.status).toBe(429);
    expect(res.headers['retry-after']).toBe('7');
  });

  it('answers unknown routes with BIZ_001 404', async () => {
    const res = await request(app()).get('/nope');
    expect(res.status).toBe(404);
    expect(res.body.error.code).toBe('BIZ_001');
  });

  it('paginates with the guide bounds', async () => {
    const res = await request(app()).get('/things?limit=1&offset=1');
    expect(res.body.meta.pagination).toEqual({ limit: 1, offset: 1, total: 3, has_next: true, has_prev: true });
    const bad = await request(app()).get('/things?limit=1000');
    expect(bad.status).toBe(422);
    expect(bad.body.error.code).toBe('VAL_003');
  });
});

describe('health router', () => {
  it('serves health, ready with each check, and metrics', async () => {
    const a = app();
    expect((await request(a).get('/api/v1/health')).body.data.status).toBe('ok');
    const ready = await request(a).get('/api/v1/ready');
    expect(ready.status).toBe(200);
    expect(ready.body.data.checks[0]).toMatchObject({ name: 'ok', status: 'up' });
    const metrics = await request(a).get('/api/v1/metrics');
    expect(metrics.text).toContain('http_request_duration_seconds');
  });

  it('reports 503 with the failing dependency', async () => {
    const a = express();
    a.use('/api/v1', healthRouter({ service: 't', checks: [{ name: 'db', check: async () => { throw new Error('refused'); } }] }));
    const res = await request(a).get('/api/v1/ready');
    expect(res.status).toBe(503);
    expect(res.body.error.code).toBe('SYS_003');
    expect(res.body.data.checks[0]).toMatchObject({ name: 'db', status: 'down', error: 'refused' });
  });
});
