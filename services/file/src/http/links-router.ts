import { Router } from 'express';
import { z } from 'zod';
import { actorOf } from '@platform/shared/auth';
import { parsePagination, sendCreated, sendList, sendNoContent, validate } from '@platform/shared/http';
import { createLink, listLinks, revokeLink, type FileLink, type LinkDeps } from '../usecases/signed-links.ts';
import { apiRoot } from './public-url.ts';

const idParams = z.object({ id: z.string().min(1).max(64) });
const linkParams = z.object({ id: z.string().min(1).max(64), link_id: z.string().min(1).max(64) });
// Range checked in createLink (VAL_003 above 7 days); here only the shape.
const createBody = z.object({ expires_in: z.number().int() }).strict();

function toLinkJson(link: FileLink, now: Date) {
  return {
    id: link.id,
    file_id: link.fileId,
    created_by: link.createdBy,
    expires_at: link.expiresAt.toISOString(),
    revoked_at: link.revokedAt?.toISOString() ?? null,
    created_at: link.createdAt.toISOString(),
    status: link.revokedAt ? 'revoked' : link.expiresAt <= now ? 'expired' : 'active',
  };
}

/**
 * Signed links of a file (owner or admin): POST /files/{id}/links {expires_in} → {id, url, expires_at},
 * GET /files/{id}/links (paginated), DELETE /files/{id}/links/{link_id} (revoke, 204). Mounted behind
 * authentication and the JSON body parser.
 */
export function createLinksRouter(deps: LinkDeps & { publicApiUrl?: string }): Router {
  const router = Router();

  router.post('/files/:id/links', async (req, res) => {
    const { id } = validate(idParams, req.params, 'path');
    const { expires_in } = validate(createBody, req.body);
    const { link, query } = await createLink(deps, actorOf(req), id, expires_in);
    const qs = new URLSearchParams({ expires: String(query.expires), link: query.link, signature: query.signature });
    const url = `${apiRoot(req, '/files', deps.publicApiUrl)}/public/files/${encodeURIComponent(id)}/content?${qs}`;
    sendCreated(res, { id: link.id, url, expires_at: link.expiresAt.toISOString() });
  });

  router.get('/files/:id/links', async (req, res) => {
    const { id } = validate(idParams, req.params, 'path');
    const page = parsePagination(req.query);
    const { items, total } = await listLinks(deps, actorOf(req), id, page);
    const now = deps.now();
    sendList(res, items.map((l) => toLinkJson(l, now)), { ...page, total });
  });

  router.delete('/files/:id/links/:link_id', async (req, res) => {
    const { id, link_id } = validate(linkParams, req.params, 'path');
    await revokeLink(deps, actorOf(req), id, link_id);
    sendNoContent(res);
  });

  return router;
}
