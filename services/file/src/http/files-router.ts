import { Router, type Request } from 'express';
import { actorOf } from '@platform/shared/auth';
import { parsePagination, sendCreated, sendList, sendNoContent, sendOk, validate } from '@platform/shared/http';
import { metadataEtag } from '../domain/file.ts';
import { fileErrors } from '../domain/file-errors.ts';
import type { FileDeps } from '../usecases/deps.ts';
import { deleteFile, getFile, listFiles, renameFile } from '../usecases/manage-files.ts';
import { sendFileContent } from './file-content.ts';
import { receiveMultipartUpload } from './multipart-upload.ts';
import { toFileJson } from './presenters.ts';
import { idParams, listQuery, renameBody, versionFromEtag } from './schemas.ts';

/** How long the rest of a refused upload is read and dropped before the connection is cut. */
const LINGER_MS = 30_000;

/**
 * A refused upload is answered at once, but most HTTP clients read the answer only after sending
 * their whole body: closing now would show them a reset instead of the 413/422. So, like nginx's
 * lingering close, the rest is read and dropped (the connection stays usable) for at most
 * LINGER_MS, then the connection is cut.
 */
function discardRestOfBody(req: Request): void {
  const timer = setTimeout(() => req.socket.destroy(), LINGER_MS);
  timer.unref();
  req.once('close', () => clearTimeout(timer));
  req.once('end', () => clearTimeout(timer));
  req.resume();
}

const ifMatchVersion = (header: string | undefined): number | undefined => {
  const v = versionFromEtag(header);
  if (v === 'invalid') throw fileErrors.versionMismatch();
  return v;
};

/** /files: upload (multipart), list, metadata, rename, delete and content of the caller's files (admins: anyone's). */
export function createFilesRouter(deps: FileDeps): Router {
  const router = Router();

  router.post('/files', async (req, res) => {
    const actor = actorOf(req);
    try {
      const file = await receiveMultipartUpload(deps, req, { ownerId: actor.id, actorId: actor.id });
      res.setHeader('Location', `${req.baseUrl}/files/${file.id}`);
      res.setHeader('ETag', metadataEtag(file));
      sendCreated(res, toFileJson(file));
    } catch (err) {
      if (!req.complete) discardRestOfBody(req);
      throw err;
    }
  });

  router.get('/files', async (req, res) => {
    const page = parsePagination(req.query);
    const q = validate(listQuery, req.query, 'query');
    const { items, total } = await listFiles(deps, actorOf(req), { ...page, sort: q.sort, order: q.order, ...(q.owner_id && { ownerId: q.owner_id }) });
    sendList(res, items.map(toFileJson), { ...page, total });
  });

  router.get('/files/:id', async (req, res) => {
    const { id } = validate(idParams, req.params, 'path');
    const file = await getFile(deps, actorOf(req), id);
    const etag = metadataEtag(file);
    res.setHeader('ETag', etag);
    if (req.headers['if-none-match']?.split(',').some((tag) => tag.trim() === etag)) {
      res.status(304).end();
      return;
    }
    sendOk(res, toFileJson(file));
  });

  router.patch('/files/:id', async (req, res) => {
    const { id } = validate(idParams, req.params, 'path');
    const { name } = validate(renameBody, req.body);
    const file = await renameFile(deps, actorOf(req), id, name, ifMatchVersion(req.headers['if-match']));
    res.setHeader('ETag', metadataEtag(file));
    sendOk(res, toFileJson(file));
  });

  router.delete('/files/:id', async (req, res) => {
    const { id } = validate(idParams, req.params, 'path');
    await deleteFile(deps, actorOf(req), id, ifMatchVersion(req.headers['if-match']));
    sendNoContent(res);
  });

  router.get('/files/:id/content', async (req, res) => {
    const { id } = validate(idParams, req.params, 'path');
    const file = await getFile(deps, actorOf(req), id);
    await sendFileContent(deps, req, res, file);
  });

  return router;
}
