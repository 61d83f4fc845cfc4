import { AppError } from '@platform/shared/errors';
import { redactValue } from '@platform/shared/logger';
import { toImportedUser, type ImportedUser } from '../domain/imported-user.ts';
import type { RecordError } from '../domain/job.ts';
import { syncErrors } from '../domain/sync-errors.ts';
import type { SyncDeps } from './deps.ts';
import { JobFailure } from './job-control.ts';
import { openSession } from './open-session.ts';
import { ProviderError } from './provider-port.ts';

export type Preview = { users: ImportedUser[]; errors: RecordError[]; fetched: number; hasMore: boolean };

/**
 * Reads the first page of the source and maps it exactly as a job would, writing nothing: lets an
 * admin check settings, credentials and the field mapping before the first run. A source that
 * refuses or cannot be reached answers EXT_003 / EXT_002 with the provider's message.
 */
export async function previewConnection(deps: SyncDeps, id: string, limit: number): Promise<Preview> {
  const connection = await deps.connections.findById(deps.db, id);
  if (!connection) throw syncErrors.connectionNotFound(id);
  const signal = AbortSignal.timeout(deps.settings.providerTimeoutMs);
  try {
    const session = await openSession({ ...deps, settings: { ...deps.settings, pageSize: limit } }, connection, signal);
    const page = await session.fetchPage(null, null);
    const users: ImportedUser[] = [];
    const errors: RecordError[] = [];
    for (const record of page.records.slice(0, limit)) {
      const result = toImportedUser(session.mapRecord(record), redactValue(record));
      if ('error' in result) errors.push(result.error);
      else users.push(result.user);
    }
    return { users, errors, fetched: Math.min(page.records.length, limit), hasMore: page.next !== null || page.records.length > limit };
  } catch (err) {
    if (err instanceof ProviderError) throw new AppError(err.retryable ? 'EXT_002' : 'EXT_003', err.message, { cause: err });
    if (err instanceof JobFailure) throw new AppError('BIZ_003', err.message, { cause: err });
    throw err;
  }
}
