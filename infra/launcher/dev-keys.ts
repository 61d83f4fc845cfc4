// Development keys, generated on first use and never committed: auth's RS256 signing key and the
// key-auth keys of the platform's service clients, in a git-ignored folder (.data/dev-keys). Then
// kong/kong.yml, whose secrets are decK placeholders (`${{ env "DECK_…" }}`), is rendered with them
// into .data/kong/kong.yml for the gateway (or real Kong) to read.
//
// Node built-ins only: docker-compose runs this file as it is in a plain node image
// (`node infra/launcher/dev-keys.ts --keys /dev-keys --kong-out /kong/kong.yml`).
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, randomBytes, type KeyObject } from 'node:crypto';
import { chownSync, existsSync, linkSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';

export const DEV_KEYS_DIR = '.data/dev-keys';
export const RENDERED_KONG_FILE = '.data/kong/kong.yml';
export const KONG_TEMPLATE_FILE = 'kong/kong.yml';

/** The platform's service clients that get a key-auth key (consumers service-<name> in kong.yml). */
export const KEY_AUTH_CLIENTS = ['user', 'file', 'sync', 'notification'] as const;

export type DevKeys = {
  /** PKCS#8 PEM, what auth's JWT_PRIVATE_KEY_FILE points at. */
  privateKeyFile: string;
  publicKeyFile: string;
  /** { "<client>": "<key>" } for the key-auth consumers. */
  apiKeysFile: string;
};

/**
 * Writes a file only if it does not exist yet, atomically: two launchers starting at once agree on
 * one key instead of each rendering kong.yml with its own. Returns false when it already existed.
 */
function createOnce(path: string, content: string, mode: number): boolean {
  if (existsSync(path)) return false;
  const temp = `${path}.${process.pid}.${randomBytes(4).toString('hex')}`;
  writeFileSync(temp, content, { mode });
  try {
    linkSync(temp, path);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  } finally {
    rmSync(temp, { force: true });
  }
}

function writeAtomically(path: string, content: string, mode = 0o644): void {
  mkdirSync(dirname(path), { recursive: true });
  const temp = `${path}.${process.pid}.${randomBytes(4).toString('hex')}`;
  writeFileSync(temp, content, { mode });
  renameSync(temp, path);
}

/** The key pair and the service clients' keys in `dir`, created the first time. */
export function ensureDevKeys(dir: string): DevKeys & { created: boolean } {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const keys: DevKeys = {
    privateKeyFile: join(dir, 'jwt-private.pem'),
    publicKeyFile: join(dir, 'jwt-public.pem'),
    apiKeysFile: join(dir, 'service-api-keys.json'),
  };
  const created = !existsSync(keys.privateKeyFile) && createOnce(keys.privateKeyFile, newPrivatePem(), 0o600);
  if (!existsSync(keys.apiKeysFile)) {
    const apiKeys = Object.fromEntries(KEY_AUTH_CLIENTS.map((client) => [client, randomBytes(24).toString('base64url')]));
    createOnce(keys.apiKeysFile, `${JSON.stringify(apiKeys, null, 2)}\n`, 0o600);
  }
  // Always derived from the private key, so it can never disagree with it.
  writeAtomically(keys.publicKeyFile, publicPem(readFileSync(keys.privateKeyFile, 'utf8')));
  return { ...keys, created };
}

function newPrivatePem(): string {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
}

function publicPem(privatePem: string): string {
  return createPublicKey(createPrivateKey(privatePem)).export({ type: 'spki', format: 'pem' }) as string;
}

/**
 * RFC 7638 JWK thumbprint of an RSA public key: sha256 of {"e","kty","n"} in that order, base64url.
 * The same kid services/auth puts in its tokens' header and JWKS (domain/jwk-thumbprint.ts).
 */
export function rsaKid(key: KeyObject): string {
  const jwk = (key.type === 'private' ? createPublicKey(key) : key).export({ format: 'jwk' });
  if (jwk.kty !== 'RSA') throw new Error(`expected an RSA key, got ${String(jwk.kty)}`);
  const canonical = `{"e":${JSON.stringify(jwk.e)},"kty":"RSA","n":${JSON.stringify(jwk.n)}}`;
  return createHash('sha256').update(canonical, 'utf8').digest('base64url');
}

const PLACEHOLDER = /\$\{\{(.*?)\}\}/g;
const ENV_LOOKUP = /^\s*env\s+"(DECK_[A-Za-z0-9_]+)"\s*$/;

/**
 * decK's environment substitution: every `${{ env "DECK_NAME" }}` is replaced by the variable's
 * text as it is. kong/kong.yml's variables therefore hold JSON strings, quotes included (e.g.
 * `jq -Rs . public.pem`), which YAML reads as double-quoted scalars.
 * Throws naming every missing variable, and any template expression other than env.
 */
export function renderDeckTemplate(template: string, vars: Record<string, string | undefined>): string {
  const missing = new Set<string>();
  const rendered = template.replace(PLACEHOLDER, (whole, expression: string) => {
    const name = ENV_LOOKUP.exec(expression)?.[1];
    if (!name) throw new Error(`unsupported decK template ${whole}: only \${{ env "DECK_…" }} is rendered`);
    const value = vars[name];
    if (value === undefined) missing.add(name);
    return value ?? whole;
  });
  if (missing.size > 0) throw new Error(`kong.yml needs ${[...missing].join(', ')} (set them in the environment)`);
  return rendered;
}

/** The values kong/kong.yml's placeholders take for a signing key and the service clients' keys. */
export function kongTemplateVars(privatePem: string, apiKeys: Record<string, string>): Record<string, string> {
  const pem = publicPem(privatePem);
  // Each value is a JSON string, quotes included: it lands in the YAML as a double-quoted scalar,
  // so a PEM keeps its line breaks and no key can be read as a number.
  const vars: Record<string, string> = {
    DECK_JWT_KID: JSON.stringify(rsaKid(createPublicKey(pem))),
    DECK_JWT_RSA_PUBLIC_KEY: JSON.stringify(pem),
  };
  for (const [client, key] of Object.entries(apiKeys)) vars[`DECK_KEY_AUTH_${client.toUpperCase()}`] = JSON.stringify(key);
  return vars;
}

export type RenderOptions = {
  /** kong.yml with placeholders. */
  template: string;
  /** Where the rendered file goes. */
  out: string;
  /** The key auth signs with (its public half and kid go into the file). */
  privateKeyFile: string;
  apiKeysFile: string;
  /** Extra DECK_* values for placeholders this script does not fill (as decK reads them). */
  env?: Record<string, string | undefined>;
};

export function renderKongConfig(options: RenderOptions): { kid: string } {
  const apiKeys = JSON.parse(readFileSync(options.apiKeysFile, 'utf8')) as Record<string, string>;
  const ours = kongTemplateVars(readFileSync(options.privateKeyFile, 'utf8'), apiKeys);
  const fromEnv = Object.fromEntries(Object.entries(options.env ?? {}).filter(([name]) => name.startsWith('DECK_')));
  // The key auth really signs with wins over a stale DECK_JWT_* in the environment.
  const vars = { ...fromEnv, ...ours };
  const rendered = renderDeckTemplate(readFileSync(options.template, 'utf8'), vars);
  const banner = `# Rendered from ${options.template} by infra/launcher/dev-keys.ts: do not edit, edit the template.\n`;
  writeAtomically(options.out, banner + rendered);
  return { kid: JSON.parse(ours.DECK_JWT_KID ?? '""') as string };
}

/**
 * What `npm start` does before starting anything: development keys in .data/dev-keys, and unless
 * the user points KONG_DECLARATIVE_CONFIG elsewhere, .data/kong/kong.yml rendered with the key auth
 * will sign with (the user's JWT_PRIVATE_KEY_FILE when set).
 */
export function prepareDevKeys(root: string, env: Record<string, string | undefined>) {
  const keys = ensureDevKeys(join(root, DEV_KEYS_DIR));
  const privateKeyFile = env.JWT_PRIVATE_KEY_FILE ?? keys.privateKeyFile;
  const rendered = env.KONG_DECLARATIVE_CONFIG
    ? undefined
    : renderKongConfig({
        template: join(root, KONG_TEMPLATE_FILE),
        out: join(root, RENDERED_KONG_FILE),
        privateKeyFile,
        apiKeysFile: keys.apiKeysFile,
        env,
      });
  return { keys, kid: rendered?.kid };
}

/** docker-compose: the files must belong to the container user that reads them (DEV_KEYS_OWNER=uid:gid). */
function chownAll(owner: string | undefined, paths: string[]): void {
  if (!owner) return;
  const [uid, gid] = owner.split(':').map(Number);
  if (!Number.isInteger(uid) || !Number.isInteger(gid)) throw new Error(`DEV_KEYS_OWNER must be uid:gid, got ${owner}`);
  for (const path of paths) chownSync(path, uid as number, gid as number);
}

if (import.meta.main) {
  const root = resolve(dirname(new URL(import.meta.url).pathname), '../..');
  const { values } = parseArgs({
    options: {
      keys: { type: 'string', default: join(root, DEV_KEYS_DIR) },
      'kong-out': { type: 'string', default: join(root, RENDERED_KONG_FILE) },
      template: { type: 'string', default: join(root, KONG_TEMPLATE_FILE) },
    },
  });
  const keys = ensureDevKeys(values.keys);
  const { kid } = renderKongConfig({
    template: values.template,
    out: values['kong-out'],
    privateKeyFile: keys.privateKeyFile,
    apiKeysFile: keys.apiKeysFile,
    env: process.env,
  });
  chownAll(process.env.DEV_KEYS_OWNER, [values.keys, keys.privateKeyFile, keys.publicKeyFile, keys.apiKeysFile]);
  console.log(`[dev-keys] ${keys.created ? 'generated' : 'using'} ${values.keys} (kid ${kid}); rendered ${values['kong-out']}`);
}
