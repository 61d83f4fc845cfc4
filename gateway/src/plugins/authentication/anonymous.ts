// `config.anonymous` of the auth plugins: a consumer id or username, resolved once at load.
import type { Consumer } from '../../declarative/model.ts';
import type { PluginEnv } from '../plugin.ts';

/**
 * Kong answers every request with a 500 when the anonymous consumer does not exist; a DB-less file
 * cannot gain that consumer later, so the gateway refuses to start instead.
 */
export function resolveAnonymous(plugin: string, ref: string | null | undefined, env: PluginEnv): Consumer | undefined {
  if (ref === undefined || ref === null || ref === '') return undefined;
  const consumer = env.consumers.byIdOrUsername(ref);
  if (!consumer) {
    throw new Error(`plugin ${plugin}: config.anonymous: anonymous consumer ${ref} is configured but doesn't exist`);
  }
  return consumer;
}
