import type { Connection } from '../domain/connection.ts';
import type { SyncDeps } from './deps.ts';
import { JobFailure } from './job-control.ts';
import type { ProviderSession } from './provider-port.ts';

/** The provider session of a connection, with its secrets opened right before use (never returned or logged). */
export async function openSession(deps: SyncDeps, connection: Connection, signal: AbortSignal): Promise<ProviderSession> {
  const adapter = deps.providers.get(connection.provider);
  if (!adapter) throw new JobFailure(`Unknown provider ${connection.provider}`);
  const parsed = adapter.parseSettings(connection.settings);
  if ('issues' in parsed) throw new JobFailure(`Invalid settings: ${parsed.issues[0]?.field ?? 'settings'}`);
  // The plaintext secrets are read right before use and never leave this provider session.
  const sealed = await deps.connections.findSecrets(deps.db, connection.id);
  let secrets: Record<string, string> = {};
  if (sealed) {
    try {
      secrets = deps.secrets.open(sealed);
    } catch {
      throw new JobFailure('The connection secrets cannot be read (was SYNC_SECRET_KEY changed?)');
    }
  }
  return adapter.open({ settings: parsed.settings, secrets, pageSize: deps.settings.pageSize, timeoutMs: deps.settings.providerTimeoutMs, signal });
}
