import { randomUUID } from 'node:crypto';
import type { Actor } from '@platform/shared/auth';
import type { Db, RunInTx } from '@platform/shared/db';
import { AppError } from '@platform/shared/errors';
import { canAccessFile } from '../domain/file.ts';
import { linkSignatureValid, MAX_LINK_TTL_S, signLink } from '../domain/signed-link.ts';

export type FileLink = {
  id: string;
  fileId: string;
  createdBy: string;
  expiresAt: Date;
  revokedAt: Date | null;
  createdAt: Date;
};

/** The file a link points at, as far as links need it. */
export type LinkedFile = { id: string; ownerId: string; active: boolean };

export type LinkRepo = {
  findFile(db: Db, fileId: string): Promise<LinkedFile | null>;
  insert(db: Db, link: FileLink): Promise<void>;
  list(db: Db, fileId: string, page: { limit: number; offset: number }): Promise<{ items: FileLink[]; total: number }>;
  find(db: Db, fileId: string, linkId: string): Promise<FileLink | null>;
  revoke(db: Db, fileId: string, linkId: string, at: Date): Promise<FileLink | null>;
};

export type LinkDeps = {
  db: Db;
  runInTx: RunInTx;
  links: LinkRepo;
  linkSecret: string;
  /** Longest lifetime a link may ask for (≤ 7 days). */
  linkMaxTtlS?: number;
  now: () => Date;
};

const notFound = (fileId: string) => new AppError('BIZ_001', `File ${fileId} not found`);

/** Owner or admin; anyone else learns nothing about the file (404, as for the file itself). */
async function fileOf(deps: LinkDeps, actor: Actor, fileId: string): Promise<LinkedFile> {
  const file = await deps.links.findFile(deps.db, fileId);
  if (!file || !file.active || !canAccessFile(actor, file)) throw notFound(fileId);
  return file;
}

export type CreatedLink = { link: FileLink; query: { expires: number; link: string; signature: string } };

export async function createLink(deps: LinkDeps, actor: Actor, fileId: string, expiresInS: number): Promise<CreatedLink> {
  const max = Math.min(deps.linkMaxTtlS ?? MAX_LINK_TTL_S, MAX_LINK_TTL_S);
  if (!Number.isInteger(expiresInS) || expiresInS < 1 || expiresInS > max) {
    throw new AppError('VAL_003', `expires_in must be between 1 and ${max} seconds`, {
      details: [{ field: 'expires_in', issue: expiresInS < 1 ? 'too_small' : 'too_big', message: `Between 1 and ${max} seconds` }],
    });
  }
  await fileOf(deps, actor, fileId);
  const now = deps.now();
  const expires = Math.floor(now.getTime() / 1000) + expiresInS;
  const link: FileLink = { id: randomUUID(), fileId, createdBy: actor.id, expiresAt: new Date(expires * 1000), revokedAt: null, createdAt: now };
  await deps.links.insert(deps.db, link);
  return { link, query: { expires, link: link.id, signature: signLink(deps.linkSecret, { fileId, linkId: link.id, expires }) } };
}

export async function listLinks(deps: LinkDeps, actor: Actor, fileId: string, page: { limit: number; offset: number }) {
  await fileOf(deps, actor, fileId);
  return deps.links.list(deps.db, fileId, page);
}

export async function revokeLink(deps: LinkDeps, actor: Actor, fileId: string, linkId: string): Promise<void> {
  await fileOf(deps, actor, fileId);
  const revoked = await deps.links.revoke(deps.db, fileId, linkId, deps.now());
  if (!revoked) throw new AppError('BIZ_001', `Link ${linkId} not found`);
}

const forbidden = () => new AppError('AUTH_003', 'This link is invalid, expired or revoked');

/**
 * The public route's check: a valid MAC over file id, link id and expiry, not past its expiry, not
 * revoked, and the file still there. Every failure is the same 403, so a caller cannot tell a
 * tampered link from a revoked one or probe which files exist.
 */
export async function checkSignedLink(deps: LinkDeps, q: { fileId: string; linkId: string; expires: number; signature: string }): Promise<void> {
  if (!linkSignatureValid(deps.linkSecret, { fileId: q.fileId, linkId: q.linkId, expires: q.expires }, q.signature)) throw forbidden();
  if (q.expires * 1000 <= deps.now().getTime()) throw forbidden();
  const link = await deps.links.find(deps.db, q.fileId, q.linkId);
  if (!link || link.revokedAt) throw forbidden();
  const file = await deps.links.findFile(deps.db, q.fileId);
  if (!file || !file.active) throw forbidden();
}
