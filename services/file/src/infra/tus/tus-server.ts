import { randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { join } from 'node:path';
import { Server, type Upload } from '@tus/server';
import { isAppError } from '@platform/shared/errors';
import { beginUpload, finishUpload, type ResumableDeps } from '../../usecases/resumable-uploads.ts';
import type { ChecksumFileStore } from './checksum-file-store.ts';
import { writeBodiesFromNode } from './node-body-writer.ts';
import { currentTusContext, tusContext } from './tus-context.ts';

/** Headers a browser client must be allowed to send and read besides tus's own. */
const EXTRA_REQUEST_HEADERS = ['Upload-Checksum'];
export const EXTRA_EXPOSED_HEADERS = ['Upload-Checksum', 'Tus-Checksum-Algorithm', 'Upload-Expires', 'X-File-Id'];

/** Metadata values tus-js-client sends (filename, filetype …); null values (keys without a value) are dropped. */
function plainMetadata(metadata: Upload['metadata']): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(metadata ?? {})) if (typeof value === 'string') out[key] = value;
  return out;
}

/**
 * The tus 1.0 server (creation, creation-with-upload, termination, expiration, checksum) behind
 * /api/v1/uploads. The Express router authenticates and checks ownership first and runs each
 * request inside tusContext, which these hooks read: creation reserves quota and records the
 * owner, the last byte runs the shared finishing step.
 */
export function createTusServer(deps: ResumableDeps, store: ChecksumFileStore): Server {
  // tus releases its upload lock before onUploadFinish, so an empty PATCH at the final offset could
  // finish the same upload twice; the second one is refused while the first runs.
  const finishing = new Set<string>();
  const server = new Server({
    path: '/api/v1/uploads',
    datastore: store,
    maxSize: deps.settings.maxUploadBytes,
    namingFunction: () => randomBytes(16).toString('hex'),
    generateUrl: (_req, { id }) => `${currentTusContext().locationBase}/${id}`,
    allowedHeaders: EXTRA_REQUEST_HEADERS,
    exposedHeaders: EXTRA_EXPOSED_HEADERS,
    // Completed uploads are files now: DELETE /files/{id} removes them.
    disableTerminationForFinishedUploads: true,
    async onUploadCreate(_req, upload) {
      const ctx = currentTusContext();
      await beginUpload(deps, ctx.actor, { id: upload.id, size: upload.size ?? 0, metadata: plainMetadata(upload.metadata) });
      return {};
    },
    async onUploadFinish(_req, upload) {
      const ctx = currentTusContext();
      if (finishing.has(upload.id)) throw { status_code: 409, body: 'This upload is being finished\n' };
      finishing.add(upload.id);
      try {
        const row = await deps.uploads.find(deps.db, upload.id);
        if (!row || row.completedFileId) throw { status_code: 409, body: 'This upload is already complete\n' };
        const file = await finishUpload(deps, row, createReadStream(join(store.directory, upload.id), { highWaterMark: 64 * 1024 }));
        ctx.fileId = file.id;
        return { headers: { 'X-File-Id': file.id } };
      } finally {
        finishing.delete(upload.id);
      }
    },
    onResponseError(_req, err) {
      // Answered by the router as the platform's error envelope.
      const ctx = tusContext.getStore();
      if (ctx && isAppError(err)) ctx.error ??= err;
      // tus's own protocol answers ({status_code, body}) are expected; anything else is a failure worth a log line.
      else if (!(err as { status_code?: number }).status_code) deps.logger.error('tus request failed', { err });
      return undefined;
    },
  });
  writeBodiesFromNode(server, () => tusContext.getStore()?.nodeReq);
  return server;
}
