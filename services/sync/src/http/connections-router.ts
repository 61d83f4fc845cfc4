import { Router, type Request } from 'express';
import { actorOf } from '@platform/shared/auth';
import {
  expectedVersion as ifMatchVersion, parsePagination, sendCreated, sendList, sendNoContent, sendOk, setEtag, validate,
} from '@platform/shared/http';
import { syncErrors } from '../domain/sync-errors.ts';
import type { SyncDeps } from '../usecases/deps.ts';
import {
  createConnection, deleteConnection, getConnection, listConnections, updateConnection, type ConnectionChange,
} from '../usecases/manage-connections.ts';
import { requestRun } from '../usecases/manage-jobs.ts';
import { previewConnection } from '../usecases/preview-connection.ts';
import { createConnectionBody, idParams, patchConnectionBody, previewQuery, runBody } from './connection-schemas.ts';
import { toConnectionJson, toJobJson, toPreviewJson } from './presenters.ts';

const expectedVersion = (req: Request): number | undefined => ifMatchVersion(req, syncErrors.badIfMatch);

/** /admin/sync/connections (app.ts lets only admins in): sources of people, their settings, secrets (write-only) and schedule. */
export function createConnectionsRouter(deps: SyncDeps): Router {
  const router = Router();

  router.get('/admin/sync/connections', async (req, res) => {
    const page = parsePagination(req.query);
    const { items, total } = await listConnections(deps, page);
    sendList(res, items.map(toConnectionJson), { ...page, total });
  });

  router.post('/admin/sync/connections', async (req, res) => {
    const body = validate(createConnectionBody, req.body);
    const connection = await createConnection(deps, actorOf(req).id, {
      name: body.name, provider: body.provider, settings: body.settings,
      ...(body.secrets && { secrets: body.secrets }),
      ...(body.schedule !== undefined && { schedule: body.schedule }),
      ...(body.enabled !== undefined && { enabled: body.enabled }),
    });
    setEtag(res, connection.version);
    res.location(`/api/v1/admin/sync/connections/${connection.id}`);
    sendCreated(res, toConnectionJson(connection));
  });

  router.get('/admin/sync/connections/:id', async (req, res) => {
    const { id } = validate(idParams, req.params, 'path');
    const connection = await getConnection(deps, id);
    setEtag(res, connection.version);
    sendOk(res, toConnectionJson(connection));
  });

  router.patch('/admin/sync/connections/:id', async (req, res) => {
    const { id } = validate(idParams, req.params, 'path');
    const version = expectedVersion(req);
    const body = validate(patchConnectionBody, req.body);
    const change: ConnectionChange = Object.fromEntries(Object.entries(body).filter(([, v]) => v !== undefined));
    const connection = await updateConnection(deps, actorOf(req).id, id, change, version);
    setEtag(res, connection.version);
    sendOk(res, toConnectionJson(connection));
  });

  router.delete('/admin/sync/connections/:id', async (req, res) => {
    const { id } = validate(idParams, req.params, 'path');
    await deleteConnection(deps, actorOf(req).id, id, expectedVersion(req));
    sendNoContent(res);
  });

  router.post('/admin/sync/connections/:id/run', async (req, res) => {
    const { id } = validate(idParams, req.params, 'path');
    const body = validate(runBody, req.body ?? {});
    const { job, created } = await requestRun(deps, { connectionId: id, mode: body.mode ?? 'incremental', trigger: 'manual', actorId: actorOf(req).id });
    res.location(`/api/v1/admin/sync/jobs/${job.id}`);
    sendOk(res, { job_id: job.id, created, job: toJobJson(job) }, 202);
  });

  // The first page mapped as a job would map it; nothing is written.
  router.post('/admin/sync/connections/:id/preview', async (req, res) => {
    const { id } = validate(idParams, req.params, 'path');
    const { limit } = validate(previewQuery, { limit: req.query.limit }, 'query');
    sendOk(res, toPreviewJson(await previewConnection(deps, id, limit)));
  });

  return router;
}
