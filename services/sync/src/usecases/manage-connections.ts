import { AppError } from '@platform/shared/errors';
import type { Connection, ProviderName } from '../domain/connection.ts';
import { syncErrors } from '../domain/sync-errors.ts';
import type { SyncDeps } from './deps.ts';
import type { ProviderAdapter } from './provider-port.ts';

type Deps = Pick<SyncDeps, 'db' | 'runInTx' | 'connections' | 'jobs' | 'secrets' | 'providers'>;

export type ConnectionInput = {
  name: string;
  provider: ProviderName;
  settings: Record<string, unknown>;
  secrets?: Record<string, string>;
  schedule?: string | null;
  enabled?: boolean;
};

export type ConnectionChange = {
  name?: string;
  settings?: Record<string, unknown>;
  /** Merged into the stored secrets; null removes one. */
  secrets?: Record<string, string | null>;
  schedule?: string | null;
  enabled?: boolean;
};

function adapterOf(deps: Deps, provider: ProviderName): ProviderAdapter {
  const adapter = deps.providers.get(provider);
  if (!adapter) throw new AppError('VAL_002', `Unknown provider ${provider}`);
  return adapter;
}

function checkSettings(adapter: ProviderAdapter, settings: unknown): Record<string, unknown> {
  const parsed = adapter.parseSettings(settings);
  if ('issues' in parsed) throw syncErrors.badSettings(parsed.issues.map((i) => ({ ...i, field: `settings.${i.field}` })));
  return parsed.settings;
}

function checkSecretNames(adapter: ProviderAdapter, names: string[]): void {
  const unknown = names.filter((n) => !adapter.secretFields.includes(n));
  if (unknown.length > 0) {
    throw new AppError('VAL_002', `Unknown secret: ${unknown[0]}`, {
      details: unknown.map((n) => ({ field: `secrets.${n}`, issue: 'unknown_secret', message: `${adapter.name} accepts ${adapter.secretFields.join(', ') || 'no secrets'}` })),
    });
  }
}

export async function createConnection(deps: Deps, actorId: string, input: ConnectionInput): Promise<Connection> {
  const adapter = adapterOf(deps, input.provider);
  const settings = checkSettings(adapter, input.settings);
  const secrets = input.secrets ?? {};
  checkSecretNames(adapter, Object.keys(secrets));
  const names = Object.keys(secrets).sort();
  return deps.runInTx((tx) => deps.connections.create(tx, {
    name: input.name, provider: input.provider, settings,
    secretsEncrypted: names.length ? deps.secrets.seal(secrets) : null, secretKeys: names,
    schedule: input.schedule ?? null, enabled: input.enabled ?? true, actorId,
  }));
}

export async function getConnection(deps: Deps, id: string): Promise<Connection> {
  const connection = await deps.connections.findById(deps.db, id);
  if (!connection) throw syncErrors.connectionNotFound(id);
  return connection;
}

export async function updateConnection(deps: Deps, actorId: string, id: string, change: ConnectionChange, expectedVersion?: number): Promise<Connection> {
  return deps.runInTx(async (tx) => {
    const current = await deps.connections.findById(tx, id);
    if (!current) throw syncErrors.connectionNotFound(id);
    if (expectedVersion !== undefined && expectedVersion !== current.version) throw syncErrors.staleVersion(current.version);
    const adapter = adapterOf(deps, current.provider);
    const patch: Parameters<typeof deps.connections.update>[2] = {};
    if (change.name !== undefined) patch.name = change.name;
    if (change.settings !== undefined) patch.settings = checkSettings(adapter, change.settings);
    if (change.schedule !== undefined) patch.schedule = change.schedule;
    if (change.enabled !== undefined) patch.enabled = change.enabled;
    if (change.secrets !== undefined) {
      checkSecretNames(adapter, Object.keys(change.secrets));
      const sealed = await deps.connections.findSecrets(tx, id);
      const merged: Record<string, string> = sealed ? deps.secrets.open(sealed) : {};
      for (const [k, v] of Object.entries(change.secrets)) {
        if (v === null) delete merged[k];
        else merged[k] = v;
      }
      const names = Object.keys(merged).sort();
      patch.secretsEncrypted = names.length ? deps.secrets.seal(merged) : null;
      patch.secretKeys = names;
    }
    const updated = await deps.connections.update(tx, id, patch, { actorId, expectedVersion: current.version });
    if (!updated) throw syncErrors.staleVersion(current.version);
    return updated;
  });
}

/** Soft-deletes the connection (its secrets are wiped) and cancels its unfinished job. */
export async function deleteConnection(deps: Deps, actorId: string, id: string, expectedVersion?: number): Promise<void> {
  await deps.runInTx(async (tx) => {
    const current = await deps.connections.findById(tx, id);
    if (!current) throw syncErrors.connectionNotFound(id);
    if (expectedVersion !== undefined && expectedVersion !== current.version) throw syncErrors.staleVersion(current.version);
    await deps.connections.softDelete(tx, id, actorId);
    const { items } = await deps.jobs.list(tx, { connectionId: id }, { limit: 5, offset: 0 });
    for (const job of items) if (job.status === 'queued' || job.status === 'running') await deps.jobs.requestCancel(tx, job.id);
  });
}

export async function listConnections(deps: Deps, page: { limit: number; offset: number }) {
  return deps.connections.list(deps.db, page);
}
