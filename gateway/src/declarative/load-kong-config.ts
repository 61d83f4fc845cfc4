// Reads and validates the Kong declarative file (KONG_DECLARATIVE_CONFIG). Anything real Kong would
// reject, and anything this gateway does not implement, stops the start with one line per problem
// naming the entity and field, e.g. `services[auth].routes[auth-protected].plugins[jwt].config.foo: unknown field`.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parse } from 'yaml';
import { pluginDefinitions } from '../plugins/registry.ts';
import type { PluginDefinition } from '../plugins/plugin.ts';
import { buildModel } from './build-model.ts';
import { collectEntities } from './collect-entities.ts';
import { documentSchema } from './entity-schemas.ts';
import { KongConfigError } from './kong-config-error.ts';
import type { GatewayConfig } from './model.ts';
import { isRecord, Problems } from './problems.ts';

export type LoadedKongConfig = {
  config: GatewayConfig;
  /** md5 of the file, like Kong's configuration_hash on /status. */
  hash: string;
  /** Accepted but worth a log line (e.g. path_handling v1, which Kong 3.10 also treats as v0). */
  warnings: string[];
  path: string;
};

type Options = { definitions?: readonly PluginDefinition[] };

/** Reads the file at `path` (relative to the working directory) and validates it. */
export function loadKongConfig(path: string, options: Options = {}): LoadedKongConfig {
  const absolute = resolve(path);
  let text: string;
  try {
    text = readFileSync(absolute, 'utf8');
  } catch (err) {
    throw new KongConfigError(absolute, [`cannot read the file (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`]);
  }
  return { ...parseKongConfig(text, absolute, options), path: absolute };
}

/** Validates declarative config text (YAML or JSON); `source` names it in messages. */
export function parseKongConfig(text: string, source = 'kong.yml', options: Options = {}): Omit<LoadedKongConfig, 'path'> {
  let doc: unknown;
  try {
    // Kong's YAML reader resolves anchors and aliases (kong.yml reuses a jwt block with *jwt).
    doc = parse(text, { merge: true, maxAliasCount: 1_000 });
  } catch (err) {
    throw new KongConfigError(source, [`not valid YAML: ${(err as Error).message.split('\n')[0]}`]);
  }
  if (!isRecord(doc)) throw new KongConfigError(source, ['expected a YAML mapping with _format_version at the top']);
  // kong/kong.yml keeps its secrets as decK placeholders; neither Kong nor this gateway fills them in.
  const placeholder = /\$\{\{\s*env\s+"(DECK_[A-Za-z0-9_]+)"\s*\}\}/.exec(text);
  if (placeholder) {
    throw new KongConfigError(source, [
      `contains decK placeholders (\${{ env "${placeholder[1]}" }}): point KONG_DECLARATIVE_CONFIG at the rendered file ` +
        '(node infra/launcher/dev-keys.ts writes .data/kong/kong.yml; `deck file render` does the same for a deployment)',
    ]);
  }

  const problems = new Problems();
  const top = problems.parse(documentSchema, doc, '(root)');
  if (!top) throw new KongConfigError(source, problems.list);

  const warnings: string[] = [];
  const entities = collectEntities(doc, problems);
  const config = buildModel(entities, problems, {
    formatVersion: top._format_version,
    definitions: options.definitions ?? pluginDefinitions,
    warn: (message) => warnings.push(message),
  });
  if (problems.list.length) throw new KongConfigError(source, problems.list);
  return { config, hash: createHash('md5').update(text).digest('hex'), warnings };
}
