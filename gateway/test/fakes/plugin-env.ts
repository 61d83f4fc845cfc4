// Builds a plugin the way the gateway does (config through the plugin's zod schema, then create)
// with a silent logger and an empty consumer index, for plugin unit tests.
import { Registry } from 'prom-client';
import type { Redis } from 'ioredis';
import { createLogger } from '@platform/shared/logger';
import type { ConsumerIndex, PluginConfig } from '../../src/declarative/model.ts';
import type { PluginDefinition, PluginEnv, PluginHandlers } from '../../src/plugins/plugin.ts';

const noConsumers: ConsumerIndex = {
  byId: () => undefined,
  byIdOrUsername: () => undefined,
  jwtSecretByKey: () => undefined,
  keyAuthByKey: () => undefined,
  aclGroups: () => [],
};

export function pluginEnv(overrides: Partial<PluginEnv> = {}): PluginEnv {
  return {
    logger: createLogger({ service: 'gateway-test', level: 'error', silent: process.env.GATEWAY_TEST_LOGS !== '1' }),
    consumers: noConsumers,
    metrics: new Registry(),
    ...overrides,
  };
}

export function instantiate(
  definition: PluginDefinition,
  config: Record<string, unknown>,
  options: { redis?: Redis; scope?: Partial<PluginConfig> } = {},
): PluginHandlers {
  const parsed = definition.schema.parse(config);
  const plugin: PluginConfig = { id: 'test-plugin', name: definition.name, enabled: true, config, ...options.scope };
  return definition.create(parsed, pluginEnv(options.redis ? { redis: options.redis } : {}), plugin);
}
