import type { Readable } from 'node:stream';
import busboy from 'busboy';
import type { Request } from 'express';
import { AppError } from '@platform/shared/errors';
import type { StoredFile } from '../domain/file.ts';
import { fileErrors } from '../domain/file-errors.ts';
import { storeUpload, type StoreUploadDeps } from '../usecases/store-upload.ts';

/** Room for boundaries and part headers around the file in a multipart body. */
const MULTIPART_OVERHEAD = 64 * 1024;

const badForm = (message: string, cause?: unknown) => new AppError('VAL_001', message, { cause, details: [{ field: 'file', issue: 'malformed' }] });

/**
 * Streams the `file` part of a multipart/form-data request through storeUpload; never buffers the
 * file. Small limits on everything else (field count and size, parts, header pairs). Extra or
 * misnamed file parts, a malformed or truncated form refuse the whole request and store nothing.
 */
export function receiveMultipartUpload(deps: StoreUploadDeps, req: Request, ids: { ownerId: string; actorId: string }): Promise<StoredFile> {
  const max = deps.settings.maxUploadBytes;
  const lengthHeader = req.headers['content-length'];
  const length = lengthHeader !== undefined && /^\d+$/.test(lengthHeader) ? Number(lengthHeader) : undefined;
  if (length !== undefined && length > max + MULTIPART_OVERHEAD) return Promise.reject(fileErrors.tooLarge(max));

  let form: busboy.Busboy;
  try {
    form = busboy({
      headers: req.headers,
      // The raw name reaches storeUpload, which keeps it as original_name and sanitises it itself.
      preservePath: true,
      // Browsers send file names as raw UTF-8 bytes, not latin1 (busboy's default).
      defParamCharset: 'utf8',
      highWaterMark: 256 * 1024,
      limits: { fieldNameSize: 100, fieldSize: 4096, fields: 10, fileSize: max + 1, files: 1, parts: 11, headerPairs: 20 },
    });
  } catch (err) {
    return Promise.reject(new AppError('VAL_001', 'Expected a multipart/form-data body', { cause: err, status: 415 }));
  }

  return new Promise<StoredFile>((resolve, reject) => {
    let upload: Promise<StoredFile> | undefined;
    let fileStream: Readable | undefined;
    let aborted = false;
    let formDone!: () => void;
    let formFailed!: (err: unknown) => void;
    const gate = new Promise<void>((res, rej) => { formDone = res; formFailed = rej; });
    gate.catch(() => {});

    const abort = (err: unknown) => {
      if (aborted) return;
      aborted = true;
      req.unpipe(form);
      // Read and drop the rest of the body, so the client gets to read our answer.
      req.resume();
      // The file part stops here too (once unpiped it would wait for bytes forever). busboy's file
      // streams emit no 'close', so only an error tells a pipeline that they are gone.
      if (fileStream && !fileStream.readableEnded) fileStream.destroy(fileErrors.uploadAborted());
      formFailed(err);
      if (!upload) return reject(err);
      // Let the upload clean up (bytes, reservation) before answering.
      upload.then(() => reject(err), () => reject(err));
    };

    form.on('file', (field, stream, info) => {
      if (aborted || upload || field !== 'file') {
        stream.resume();
        if (!aborted) abort(badForm(field === 'file' ? 'Send one file per request' : `Unexpected file field "${field}" (expected "file")`));
        return;
      }
      fileStream = stream;
      // Its errors reach storeUpload through its pipeline; this keeps one before that from going unhandled.
      stream.on('error', () => {});
      // busboy counts the part's bytes as it parses: past the limit the answer is 413 at once,
      // whatever storage is still writing.
      stream.on('limit', () => abort(fileErrors.tooLarge(max)));
      upload = storeUpload(deps, {
        ...ids,
        body: stream,
        name: info.filename ?? 'file',
        contentType: info.mimeType,
        ...(length !== undefined && { expectedSize: length }),
        commitGate: gate,
      });
      upload.catch((err: unknown) => abort(err));
    });
    form.on('filesLimit', () => abort(badForm('Send one file per request')));
    form.on('partsLimit', () => abort(badForm('Too many parts in the form')));
    form.on('fieldsLimit', () => abort(badForm('Too many fields in the form')));
    form.on('error', (err) => abort(badForm('Malformed multipart body', err)));
    form.on('close', () => {
      if (aborted) return;
      if (!upload) return abort(new AppError('VAL_001', 'The form has no file field', { details: [{ field: 'file', issue: 'required', message: 'Required' }] }));
      formDone();
      upload.then(resolve, () => {});
    });
    req.on('close', () => {
      if (!req.complete) abort(fileErrors.uploadAborted());
    });
    req.pipe(form);
  });
}
