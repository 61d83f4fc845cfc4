import { Router } from 'express';
import { z } from 'zod';
import { AppError } from '@platform/shared/errors';
import type { ContentDeps } from './file-content.ts';
import { sendFileContent } from './file-content.ts';
import { checkSignedLink, type LinkDeps } from '../usecases/signed-links.ts';

// Anything that does not parse is a tampered link: the same 403 as a wrong signature.
const linkQuery = z.object({
  expires: z.string().regex(/^\d{1,12}$/).transform(Number),
  link: z.string().min(1).max(64),
  signature: z.string().min(1).max(128),
});

/**
 * GET/HEAD /public/files/{id}/content?expires=&link=&signature=: a signed link, no token. The file
 * is served exactly as the owner route serves it (Range, ETag, Content-Disposition, nosniff).
 */
export function createPublicFilesRouter(deps: LinkDeps & ContentDeps): Router {
  const router = Router();

  router.get('/public/files/:id/content', async (req, res) => {
    const parsed = linkQuery.safeParse(req.query);
    if (!parsed.success) throw new AppError('AUTH_003', 'This link is invalid, expired or revoked');
    const fileId = String(req.params.id);
    await checkSignedLink(deps, { fileId, linkId: parsed.data.link, expires: parsed.data.expires, signature: parsed.data.signature });
    const file = await deps.files.findById(deps.db, fileId);
    if (!file) throw new AppError('AUTH_003', 'This link is invalid, expired or revoked');
    // Shared links must not be cached by proxies beyond their lifetime, nor leak through Referer.
    res.setHeader('Referrer-Policy', 'no-referrer');
    await sendFileContent(deps, req, res, file);
  });

  return router;
}
