import { Router, type Request, type RequestHandler, type Response } from 'express';
import { Metadata, type Server } from '@tus/server';
import { NodeRequest, sendNodeResponse } from 'srvx/node';
import { actorOf } from '@platform/shared/auth';
import { AppError, type ErrorCode } from '@platform/shared/errors';
import { CHECKSUM_ALGORITHMS } from '../infra/tus/checksum-file-store.ts';
import { tusContext, type TusRequestContext } from '../infra/tus/tus-context.ts';
import { forgetUpload, uploadOf, type ResumableDeps, type TusUpload } from '../usecases/resumable-uploads.ts';
import { apiRoot } from './public-url.ts';

const TUS_VERSION = '1.0.0';

// tus answers its own protocol errors with a status and a line of text; clients act on the status
// (409 offset, 410 expired, 413, 460 checksum), so it is kept and the text becomes the envelope's message.
const CODE_BY_STATUS: Record<number, ErrorCode> = {
  400: 'VAL_001', 403: 'VAL_001', 404: 'BIZ_001', 409: 'BIZ_002', 410: 'BIZ_001', 412: 'VAL_001', 413: 'REQ_413', 415: 'VAL_001', 460: 'VAL_002',
};

function parseChecksum(header: string | undefined): TusRequestContext['checksum'] {
  if (header === undefined) return undefined;
  const [algorithm = '', digest = '', extra] = header.trim().split(/\s+/);
  if (extra !== undefined || !(CHECKSUM_ALGORITHMS as readonly string[]).includes(algorithm) || !/^[A-Za-z0-9+/]+={0,2}$/.test(digest)) {
    throw new AppError('VAL_001', `Upload-Checksum must be "<algorithm> <base64 digest>" with one of ${CHECKSUM_ALGORITHMS.join(', ')}`);
  }
  return { algorithm, digest: Buffer.from(digest, 'base64') };
}

/** A finished upload is a file now: HEAD still answers, with the file id, so a resuming client learns it. */
function answerCompleted(res: Response, upload: TusUpload) {
  res.set({
    'Cache-Control': 'no-store',
    'Upload-Offset': String(upload.size),
    'Upload-Length': String(upload.size),
    'X-File-Id': upload.completedFileId!,
    ...(Object.keys(upload.metadata).length > 0 && { 'Upload-Metadata': Metadata.stringify(upload.metadata) }),
  });
  res.status(200).end();
}

/**
 * tus 1.0 resumable uploads at /uploads (@tus/server): POST creates (Upload-Length reserved against
 * the quota), HEAD gives the offset, PATCH appends (Upload-Checksum verified), DELETE terminates;
 * OPTIONS needs no token. Only the owner can see or touch an upload. The response to the last
 * PATCH, and any HEAD afterwards, carries `X-File-Id`: the id of the file the upload became.
 */
export function createUploadsRouter(deps: ResumableDeps, tus: Server, { authenticated }: { authenticated: RequestHandler }): Router {
  const router = Router();

  /** Runs tus inside the request context; a refusal becomes an AppError (envelope), a success is returned unsent. */
  async function runTus(req: Request, res: Response, extra: Partial<TusRequestContext> = {}): Promise<globalThis.Response> {
    const ctx: TusRequestContext = {
      actor: req.actor!,
      locationBase: `${apiRoot(req, '/uploads')}/uploads`,
      nodeReq: req,
      ...extra,
    };
    const request = new NodeRequest({ req, res });
    // tus writes bodies from the Node request itself (node-body-writer.ts); the web body srvx would
    // make of it is hidden, so nothing else starts reading the request.
    Object.defineProperty(request, 'body', { value: null });
    const response = await tusContext.run(ctx, () => tus.handleWeb(request as unknown as globalThis.Request));
    if (ctx.error) throw ctx.error;
    if (response.status >= 400) {
      const text = (await response.text()).trim() || 'Upload request refused';
      const code = CODE_BY_STATUS[response.status] ?? 'SYS_001';
      throw new AppError(code, code === 'SYS_001' ? 'The upload could not be processed' : text, { status: response.status });
    }
    return response;
  }

  // Every answer carries Tus-Resumable, refusals included.
  router.use('/uploads', (_req, res, next) => {
    res.setHeader('Tus-Resumable', TUS_VERSION);
    next();
  });

  const ownUpload: RequestHandler = async (req, res, next) => {
    const upload = await uploadOf(deps, actorOf(req), String(req.params.id));
    res.locals.upload = upload;
    next();
  };

  // Preflight and capability discovery: no token (browsers send none on OPTIONS).
  router.options(['/uploads', '/uploads/:id'], async (req, res) => {
    res.setHeader('Tus-Checksum-Algorithm', CHECKSUM_ALGORITHMS.join(','));
    const ctx = { actor: { id: '', role: 'user', type: 'user', iat: 0, exp: 0 } as const, locationBase: '' };
    const response = await tusContext.run(ctx, () => tus.handleWeb(new NodeRequest({ req, res }) as unknown as globalThis.Request));
    await sendNodeResponse(res, response);
  });

  router.post('/uploads', authenticated, async (req, res) => {
    if (req.headers['upload-defer-length'] !== undefined) {
      throw new AppError('VAL_001', 'Upload-Defer-Length is not supported: send Upload-Length (the quota is reserved from it)');
    }
    await sendNodeResponse(res, await runTus(req, res, { checksum: parseChecksum(req.headers['upload-checksum'] as string | undefined) }));
  });

  router.head('/uploads/:id', authenticated, ownUpload, async (req, res) => {
    const upload = res.locals.upload as TusUpload;
    if (upload.completedFileId) return answerCompleted(res, upload);
    await sendNodeResponse(res, await runTus(req, res));
  });

  router.patch('/uploads/:id', authenticated, ownUpload, async (req, res) => {
    const upload = res.locals.upload as TusUpload;
    if (upload.completedFileId) throw new AppError('BIZ_002', 'This upload is already complete', { headers: { 'X-File-Id': upload.completedFileId } });
    await sendNodeResponse(res, await runTus(req, res, { checksum: parseChecksum(req.headers['upload-checksum'] as string | undefined) }));
  });

  router.delete('/uploads/:id', authenticated, ownUpload, async (req, res) => {
    const upload = res.locals.upload as TusUpload;
    if (upload.completedFileId) throw new AppError('BIZ_002', 'A completed upload cannot be terminated; delete the file instead');
    const response = await runTus(req, res);
    await forgetUpload(deps, upload.id);
    await sendNodeResponse(res, response);
  });

  return router;
}
