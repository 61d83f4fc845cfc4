import type { ProviderName } from '../../domain/connection.ts';
import type { ProviderAdapter } from '../../usecases/provider-port.ts';

export function createProviderRegistry(adapters: readonly ProviderAdapter[]): ReadonlyMap<ProviderName, ProviderAdapter> {
  return new Map(adapters.map((a) => [a.name, a]));
}
