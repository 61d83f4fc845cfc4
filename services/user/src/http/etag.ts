import type { Request, Response } from 'express';
import { userErrors } from '../domain/user-errors.ts';

/** The entity tag of a versioned user: its version, quoted. */
export const etagOf = (version: number): string => `"${version}"`;

/**
 * The version as ETag. What a user looks like depends on who asks (public or whole record), so
 * shared caches must not reuse an answer across tokens, and clients revalidate with If-None-Match.
 */
export function setEtag(res: Response, version: number): void {
  res.setHeader('ETag', etagOf(version));
  res.setHeader('Cache-Control', 'private, no-cache');
  res.vary('Authorization');
}

const TAG = /^(?:W\/)?"(\d{1,9})"$/;

/**
 * The version an If-Match asks for: undefined without the header or with `*` (any current version).
 * Weak tags are accepted as the same version; a malformed one is VAL_002 rather than ignored, so a
 * client that means to lock never writes unlocked.
 */
export function expectedVersion(req: Request): number | undefined {
  const header = req.headers['if-match'];
  if (header === undefined) return undefined;
  const value = header.trim();
  if (value === '*') return undefined;
  const match = TAG.exec(value);
  if (!match) throw userErrors.badIfMatch();
  return Number(match[1]);
}

/** True when If-None-Match names the current version: the caller answers 304. */
export function notModified(req: Request, version: number): boolean {
  const header = req.headers['if-none-match'];
  if (!header) return false;
  return header.split(',').map((t) => t.trim()).some((t) => t === '*' || TAG.exec(t)?.[1] === String(version));
}

export function sendNotModified(res: Response, version: number): void {
  setEtag(res, version);
  res.status(304).end();
}
