import { Router, type Response } from 'express';
import { parsePagination, sendList, sendOk, validate } from '@platform/shared/http';
import { TERMINAL } from '../domain/job.ts';
import type { SyncDeps } from '../usecases/deps.ts';
import { cancelJob, getJob, listJobErrors, listJobs } from '../usecases/manage-jobs.ts';
import { idParams, jobListQuery } from './connection-schemas.ts';
import { toJobErrorJson, toJobJson } from './presenters.ts';

const HEARTBEAT_MS = 15_000;

/** /admin/sync/jobs (app.ts lets only admins in): progress, per-record errors, cancel, live events. */
export function createJobsRouter(deps: SyncDeps, { pollMs }: { pollMs: number }): Router {
  const router = Router();

  router.get('/admin/sync/jobs', async (req, res) => {
    const page = parsePagination(req.query);
    const q = validate(jobListQuery, { connection_id: req.query.connection_id, status: req.query.status }, 'query');
    const { items, total } = await listJobs(deps, {
      ...(q.connection_id && { connectionId: q.connection_id }), ...(q.status && { status: q.status }),
    }, page);
    sendList(res, items.map(toJobJson), { ...page, total });
  });

  router.get('/admin/sync/jobs/:id', async (req, res) => {
    const { id } = validate(idParams, req.params, 'path');
    sendOk(res, toJobJson(await getJob(deps, id)));
  });

  router.get('/admin/sync/jobs/:id/errors', async (req, res) => {
    const { id } = validate(idParams, req.params, 'path');
    const page = parsePagination(req.query);
    const { items, total } = await listJobErrors(deps, id, page);
    sendList(res, items.map(toJobErrorJson), { ...page, total });
  });

  router.post('/admin/sync/jobs/:id/cancel', async (req, res) => {
    const { id } = validate(idParams, req.params, 'path');
    sendOk(res, toJobJson(await cancelJob(deps, id)), 202);
  });

  // Server-Sent Events: `progress` whenever the job changes, then one `end` with the final state.
  // The job row is the source (any replica may run the job), read every pollMs.
  router.get('/admin/sync/jobs/:id/events', async (req, res) => {
    const { id } = validate(idParams, req.params, 'path');
    let job = await getJob(deps, id);
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    });
    res.flushHeaders();
    let closed = false;
    req.on('close', () => { closed = true; });
    let seq = 0;
    const send = (event: string, data: unknown) => writeEvent(res, ++seq, event, data);
    let last = JSON.stringify(toJobJson(job));
    send('progress', JSON.parse(last));
    let lastWrite = Date.now();
    while (!closed && !TERMINAL.has(job.status)) {
      await new Promise((r) => setTimeout(r, pollMs));
      if (closed) break;
      const next = await deps.jobs.findById(deps.db, id).catch(() => null);
      if (!next) continue;
      job = next;
      const json = JSON.stringify(toJobJson(job));
      if (json !== last) {
        last = json;
        send('progress', JSON.parse(json));
        lastWrite = Date.now();
      } else if (Date.now() - lastWrite > HEARTBEAT_MS) {
        res.write(': keep-alive\n\n');
        lastWrite = Date.now();
      }
    }
    if (!closed) {
      send('end', toJobJson(job));
      res.end();
    }
  });

  return router;
}

function writeEvent(res: Response, id: number, event: string, data: unknown): void {
  res.write(`id: ${id}\nevent: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
}
