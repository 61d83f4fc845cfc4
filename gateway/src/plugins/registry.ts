// Every plugin the gateway implements. A kong.yml naming any other plugin stops the start.
// Plugin authors: add ONE import line and ONE array entry.
import type { PluginDefinition } from './plugin.ts';
import { jwtPlugin } from './jwt.ts';
import { keyAuthPlugin } from './key-auth.ts';
import { aclPlugin } from './acl.ts';
import { rateLimitingPlugin } from './rate-limiting.ts';
import { corsPlugin } from './cors.ts';
import { correlationIdPlugin } from './correlation-id.ts';
import { requestTerminationPlugin } from './request-termination.ts';
import { requestSizeLimitingPlugin } from './request-size-limiting.ts';
import { requestTransformerPlugin } from './request-transformer.ts';
import { responseTransformerPlugin } from './response-transformer.ts';
import { prometheusPlugin } from './prometheus.ts';

export const pluginDefinitions: PluginDefinition[] = [
  jwtPlugin,
  keyAuthPlugin,
  aclPlugin,
  rateLimitingPlugin,
  corsPlugin,
  correlationIdPlugin,
  requestTerminationPlugin,
  requestSizeLimitingPlugin,
  requestTransformerPlugin,
  responseTransformerPlugin,
  prometheusPlugin,
];
