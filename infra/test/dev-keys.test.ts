// Development keys: generated once into the git-ignored .data folder, kept across starts, and
// kong/kong.yml rendered with the key auth signs with.
import { execFile, execFileSync } from 'node:child_process';
import { createPublicKey, generateKeyPairSync } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { parse } from 'yaml';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { jwkThumbprint } from '../../services/auth/src/domain/jwk-thumbprint.ts';
import { DEV_KEYS_DIR, ensureDevKeys, prepareDevKeys, RENDERED_KONG_FILE, rsaKid } from '../launcher/dev-keys.ts';

const repo = new URL('../..', import.meta.url).pathname;

type Rendered = { consumers: { username: string; jwt_secrets?: { key: string; rsa_public_key: string }[] }[] };
const jwtSecretOf = (file: string) => (parse(readFileSync(file, 'utf8')) as Rendered).consumers.find((c) => c.username === 'platform-auth')?.jwt_secrets?.[0];

let root: string;
beforeEach(() => {
  // A fake repository root with the real template.
  root = mkdtempSync(join(tmpdir(), 'dev-keys-test-'));
  mkdirSync(join(root, 'kong'));
  cpSync(join(repo, 'kong/kong.yml'), join(root, 'kong/kong.yml'));
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

describe('prepareDevKeys (npm start)', () => {
  it('generates the keys on the first start only, private files readable by their owner alone', () => {
    const first = prepareDevKeys(root, {});
    expect(first.keys.created).toBe(true);
    expect(first.keys.privateKeyFile).toBe(join(root, DEV_KEYS_DIR, 'jwt-private.pem'));
    expect(statSync(first.keys.privateKeyFile).mode & 0o777).toBe(0o600);
    expect(statSync(first.keys.apiKeysFile).mode & 0o777).toBe(0o600);
    const privatePem = readFileSync(first.keys.privateKeyFile, 'utf8');

    const second = prepareDevKeys(root, {});
    expect(second.keys.created).toBe(false);
    expect(readFileSync(second.keys.privateKeyFile, 'utf8')).toBe(privatePem);
    expect(second.kid).toBe(first.kid);
  });

  it('renders .data/kong/kong.yml with the kid services/auth computes for its key', () => {
    const { kid, keys } = prepareDevKeys(root, {});
    const secret = jwtSecretOf(join(root, RENDERED_KONG_FILE));
    const jwk = createPublicKey(readFileSync(keys.publicKeyFile)).export({ format: 'jwk' }) as Record<string, unknown>;
    expect(secret?.key).toBe(jwkThumbprint(jwk));
    expect(kid).toBe(secret?.key);
    expect(secret?.rsa_public_key).toBe(readFileSync(keys.publicKeyFile, 'utf8'));
  });

  it("uses the user's own signing key when JWT_PRIVATE_KEY_FILE is set, and renders nothing when KONG_DECLARATIVE_CONFIG is", () => {
    const own = join(root, 'own.pem');
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    writeFileSync(own, privateKey.export({ type: 'pkcs8', format: 'pem' }));
    prepareDevKeys(root, { JWT_PRIVATE_KEY_FILE: own });
    expect(jwtSecretOf(join(root, RENDERED_KONG_FILE))?.key).toBe(rsaKid(privateKey));

    rmSync(join(root, RENDERED_KONG_FILE));
    prepareDevKeys(root, { KONG_DECLARATIVE_CONFIG: '/etc/kong/kong.yml' });
    expect(existsSync(join(root, RENDERED_KONG_FILE))).toBe(false);
  });

  it('stops with the names of placeholders nobody fills', () => {
    writeFileSync(join(root, 'kong/kong.yml'), `${readFileSync(join(root, 'kong/kong.yml'), 'utf8')}# \${{ env "DECK_EXTRA" }}\n`);
    expect(() => prepareDevKeys(root, {})).toThrow('kong.yml needs DECK_EXTRA');
    expect(() => prepareDevKeys(root, { DECK_EXTRA: 'filled' })).not.toThrow();
  });

  it('agrees on one key when several processes start at once', async () => {
    const dir = join(root, 'race');
    const script = `import { ensureDevKeys } from ${JSON.stringify(join(repo, 'infra/launcher/dev-keys.ts'))}; ensureDevKeys(${JSON.stringify(dir)});`;
    const run = promisify(execFile);
    const runs = Array.from({ length: 4 }, () => run(process.execPath, ['--input-type=module', '-e', script]));
    await Promise.all(runs);
    const keys = ensureDevKeys(dir);
    expect(keys.created).toBe(false);
    const kid = rsaKid(createPublicKey(readFileSync(keys.publicKeyFile)));
    expect(rsaKid(createPublicKey(readFileSync(keys.privateKeyFile)))).toBe(kid);
  });
});

describe('dev-keys.ts as a script (docker-compose)', () => {
  it('writes the keys and the rendered file where it is told, and says which kid it used', () => {
    const out = execFileSync(process.execPath, [
      join(repo, 'infra/launcher/dev-keys.ts'),
      '--keys', join(root, 'keys'),
      '--kong-out', join(root, 'kong-out/kong.yml'),
      '--template', join(root, 'kong/kong.yml'),
    ], { encoding: 'utf8' });
    const kid = jwtSecretOf(join(root, 'kong-out/kong.yml'))?.key;
    expect(out).toContain(`generated ${join(root, 'keys')} (kid ${kid})`);
    expect(existsSync(join(root, 'keys/jwt-private.pem'))).toBe(true);
  });
});
