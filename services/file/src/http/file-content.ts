import { pipeline } from 'node:stream/promises';
import type { Request, Response } from 'express';
import { AppError } from '@platform/shared/errors';
import { parseRange } from '../domain/byte-range.ts';
import { TEXT_TYPES } from '../domain/content-types.ts';
import { contentEtag, type StoredFile } from '../domain/file.ts';
import type { FileDeps } from '../usecases/deps.ts';
import { contentDisposition } from './content-disposition.ts';

export type ContentDeps = Pick<FileDeps, 'db' | 'files' | 'storage' | 'logger'>;

const opaque = (tag: string) => tag.trim().replace(/^W\//, '');

/** If-None-Match uses the weak comparison (RFC 9110 §13.1.2). */
function noneMatch(header: string | undefined, etag: string): boolean {
  if (!header) return false;
  if (header.trim() === '*') return true;
  return header.split(',').some((tag) => opaque(tag) === etag);
}

/**
 * Sends a file's bytes to a caller already allowed to read them (owner/admin route, or a checked
 * signed link): ETag = sha256 with If-None-Match → 304, one Range → 206 (suffix and open ranges
 * too; several ranges get the whole file), unsatisfiable → 416, If-Range honoured, attachment
 * with an RFC 6266 filename, nosniff and a sandboxing CSP so a stored file never runs as a page.
 * A GET of the whole file or of a range from byte 0 counts as one download.
 */
export async function sendFileContent(deps: ContentDeps, req: Request, res: Response, file: StoredFile): Promise<void> {
  const etag = contentEtag(file);
  res.setHeader('ETag', etag);
  res.setHeader('Cache-Control', 'private, no-cache');
  res.setHeader('Accept-Ranges', 'bytes');
  res.setHeader('X-Content-Type-Options', 'nosniff');
  if (noneMatch(req.headers['if-none-match'], etag)) {
    res.status(304).end();
    return;
  }

  const ifRange = req.get('if-range');
  const wanted = ifRange !== undefined && ifRange.trim() !== etag ? { kind: 'none' as const } : parseRange(req.headers.range, file.size);
  if (wanted.kind === 'unsatisfiable') {
    throw new AppError('VAL_003', 'The requested range is outside the file', {
      status: 416, headers: { 'content-range': `bytes */${file.size}` }, details: [{ field: 'range', issue: 'unsatisfiable', size: file.size }],
    });
  }
  const range = wanted.kind === 'range' ? wanted.range : undefined;
  const head = req.method === 'HEAD';
  const stream = head ? null : await deps.storage.get(file.storageKey, range);
  if (!head && !stream) {
    throw new AppError('SYS_001', 'The file content is unavailable', { cause: new Error(`no bytes under ${file.storageKey}`) });
  }
  if (!head && (!range || range.start === 0)) await deps.files.recordDownload(deps.db, file.id);

  res.status(range ? 206 : 200);
  res.setHeader('Content-Type', TEXT_TYPES.has(file.contentType) ? `${file.contentType}; charset=utf-8` : file.contentType);
  res.setHeader('Content-Disposition', contentDisposition(file.name));
  res.setHeader('Content-Security-Policy', "default-src 'none'; sandbox");
  res.setHeader('Content-Length', String(range ? range.end - range.start + 1 : file.size));
  if (range) res.setHeader('Content-Range', `bytes ${range.start}-${range.end}/${file.size}`);
  if (!stream) {
    res.end();
    return;
  }
  try {
    await pipeline(stream, res);
  } catch (err) {
    // The client went away mid-download, or storage failed after the headers left: nothing to answer.
    if (!res.writableFinished) deps.logger.info('download cut short', { file_id: file.id, err: (err as Error).message });
  }
}
