import { Router } from 'express';
import { z } from 'zod';
import { authenticate, requireRole, type KeyResolver } from '@platform/shared/auth';
import { validate } from '@platform/shared/http';
import type { Redis } from 'ioredis';
import { fileErrors } from '../domain/file-errors.ts';
import { sendFileContent, type ContentDeps } from './file-content.ts';

const idParams = z.object({ id: z.uuid() });

export type InternalDeps = ContentDeps & { issuer: string; jwksUrl?: string; getKey?: KeyResolver; redis: Redis };

/**
 * /internal/files/...: file contents for other services (the sync service's CSV imports). Only a
 * service account's token gets in; never routed by the gateway. The bytes are sent exactly as the
 * owner route sends them (streamed, Range, ETag).
 */
export function createInternalRouter(deps: InternalDeps): Router {
  const router = Router();
  router.use('/internal', Router().use(
    authenticate({ issuer: deps.issuer, redis: deps.redis, ...(deps.getKey ? { getKey: deps.getKey } : { jwksUrl: deps.jwksUrl! }) }),
    requireRole('service'),
  ));

  router.get('/internal/files/:id/content', async (req, res) => {
    const { id } = validate(idParams, req.params, 'path');
    const file = await deps.files.findById(deps.db, id);
    if (!file) throw fileErrors.notFound(id);
    await sendFileContent(deps, req, res, file);
  });

  return router;
}
