import { Router } from 'express';
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
      // Refused before the whole body arrived: close the connection after the answer instead of reading on.
      if (!req.complete) res.setHeader('Connection', 'close');
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
    res.setHeader('ETag', metadataEtag(file));
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
