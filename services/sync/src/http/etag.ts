import type { Request, Response } from 'express';
import { syncErrors } from '../domain/sync-errors.ts';

export function setEtag(res: Response, version: number): void {
  res.setHeader('ETag', `"${version}"`);
}

const TAG = /^(?:W\/)?"(\d{1,9})"$/;

/** The version an If-Match asks for: undefined without the header or with `*`; malformed is VAL_002. */
export function expectedVersion(req: Request): number | undefined {
  const header = req.headers['if-match'];
  if (header === undefined) return undefined;
  const value = header.trim();
  if (value === '*') return undefined;
  const match = TAG.exec(value);
  if (!match) throw syncErrors.badIfMatch();
  return Number(match[1]);
}
