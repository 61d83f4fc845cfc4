import type { Request, Response } from 'express';
import { AppError } from '../errors/app-error.ts';

/** The entity tag of a version: the number, quoted. */
export const etagOf = (version: number): string => `"${version}"`;

export type EtagOptions = {
  /**
   * The body depends on who asks (e.g. public view vs whole record): adds `Cache-Control: private,
   * no-cache` and `Vary: Authorization` so shared caches never reuse it across tokens and clients
   * revalidate with If-None-Match.
   */
  perCaller?: boolean;
};

/** Sets the version as ETag (plus the per-caller cache headers when asked). */
export function setEtag(res: Response, version: number, { perCaller = false }: EtagOptions = {}): void {
  res.setHeader('ETag', etagOf(version));
  if (perCaller) {
    res.setHeader('Cache-Control', 'private, no-cache');
    res.vary('Authorization');
  }
}

const TAG = /^(?:W\/)?"(\d{1,9})"$/;

/** The default error for a malformed If-Match: VAL_002 naming the header. */
export const badIfMatch = (): AppError =>
  new AppError('VAL_002', 'If-Match must be an entity tag such as "3"', {
    details: [{ field: 'if-match', issue: 'invalid_format', message: 'Must be a quoted version' }],
  });

/**
 * The version an If-Match asks for: undefined without the header or with `*` (any current version).
 * Weak tags count as the same version; a malformed one (not one quoted integer) throws `onBad()`
 * (default VAL_002) rather than being ignored, so a client that means to lock never writes unlocked.
 */
export function expectedVersion(req: Request, onBad: () => Error = badIfMatch): number | undefined {
  const header = req.headers['if-match'];
  if (header === undefined) return undefined;
  const value = header.trim();
  if (value === '*') return undefined;
  const match = TAG.exec(value);
  if (!match) throw onBad();
  return Number(match[1]);
}

/** True when If-None-Match names the current version (or is `*`): the caller answers 304. */
export function notModified(req: Request, version: number): boolean {
  const header = req.headers['if-none-match'];
  if (!header) return false;
  return header.split(',').map((t) => t.trim()).some((t) => t === '*' || TAG.exec(t)?.[1] === String(version));
}

/** Answers 304 with the current ETag (and the same cache headers as the 200 would carry). */
export function sendNotModified(res: Response, version: number, options: EtagOptions = {}): void {
  setEtag(res, version, options);
  res.status(304).end();
}
