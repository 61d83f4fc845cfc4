import { readFileSync } from 'node:fs';
import { Router } from 'express';
import { sendOk } from '@platform/shared/http';

// The gateway routes GET /KONGAPI/api/v1/public/{info,version} here (kong.yml): auth is the one
// service every deployment has, and real Kong cannot answer them itself.
const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };

export function createPlatformInfoRouter({ issuer, jwksPath }: { issuer: string; jwksPath: string }): Router {
  const router = Router();
  const version = { version: pkg.version, api: 'v1', node: process.versions.node };
  router.get('/public/version', (_req, res) => sendOk(res, version));
  router.get('/public/info', (_req, res) => sendOk(res, {
    name: 'platform',
    ...version,
    auth: { issuer, jwks_uri: jwksPath, token_endpoint: '/public/auth/token', grant_types: ['password (login)', 'refresh_token', 'client_credentials'] },
  }));
  return router;
}
