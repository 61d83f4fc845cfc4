import type { Request, Response } from 'express';
import {
  expectedVersion as sharedExpectedVersion, sendNotModified as sharedSendNotModified, setEtag as sharedSetEtag,
} from '@platform/shared/http';
import { userErrors } from '../domain/user-errors.ts';

export { etagOf, notModified } from '@platform/shared/http';

// What a user looks like depends on who asks (public or whole record): per-caller cache headers.
const PER_CALLER = { perCaller: true };

/** The version as ETag, private to the caller (Cache-Control: private, no-cache; Vary: Authorization). */
export const setEtag = (res: Response, version: number): void => sharedSetEtag(res, version, PER_CALLER);

/** The If-Match version (undefined without one or with `*`); malformed is userErrors.badIfMatch (VAL_002). */
export const expectedVersion = (req: Request): number | undefined => sharedExpectedVersion(req, userErrors.badIfMatch);

export const sendNotModified = (res: Response, version: number): void => sharedSendNotModified(res, version, PER_CALLER);
