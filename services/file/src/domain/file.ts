import type { Actor } from '@platform/shared/auth';

export type StoredFile = {
  id: string;
  ownerId: string;
  name: string;
  originalName: string;
  size: number;
  contentType: string;
  sha256: string;
  storageKey: string;
  status: 'active' | 'deleted';
  downloadCount: number;
  lastDownloadedAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
  createdBy: string | null;
  updatedBy: string | null;
  deletedAt: Date | null;
  version: number;
};

/** Owners and admins may read and change a file; nobody else learns it exists. */
export const canAccessFile = (actor: Pick<Actor, 'id' | 'role'>, file: Pick<StoredFile, 'ownerId'>): boolean =>
  actor.role === 'admin' || actor.id === file.ownerId;

/** Strong ETag of a file's bytes. */
export const contentEtag = (file: Pick<StoredFile, 'sha256'>): string => `"${file.sha256}"`;

/** ETag of a file's metadata (its version), for If-Match on rename. */
export const metadataEtag = (file: Pick<StoredFile, 'version'>): string => `W/"${file.version}"`;
