import { createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { jwkThumbprint } from '../domain/jwk-thumbprint.ts';

export type PublicJwk = { kty: string; n: string; e: string; kid: string; alg: 'RS256'; use: 'sig' };

export type SigningKeys = {
  /** The key new tokens are signed with. */
  active: { kid: string; privateKey: KeyObject };
  /** Every key a token may still be signed with: the active one first, then older ones kept for rotation. */
  verification: Map<string, KeyObject>;
  jwks: { keys: PublicJwk[] };
};

function assertRsa(key: KeyObject, source: string): void {
  const bits = key.asymmetricKeyDetails?.modulusLength ?? 0;
  if (key.asymmetricKeyType !== 'rsa' || bits < 2048) throw new Error(`${source}: expected an RSA key of at least 2048 bits for RS256`);
}

function toJwk(publicKey: KeyObject): PublicJwk {
  const jwk = publicKey.export({ format: 'jwk' }) as { kty: string; n: string; e: string };
  return { kty: jwk.kty, n: jwk.n, e: jwk.e, kid: jwkThumbprint(jwk), alg: 'RS256', use: 'sig' };
}

/** Keys from PEM text: the active private key and any public keys of previous signing keys. */
export function signingKeysFromPem(privatePem: string, previousPublicPems: string[] = []): SigningKeys {
  // KeyObjects are parsed once here; jsonwebtoken re-parses string keys on every call (guide §12).
  const privateKey = createPrivateKey(privatePem);
  assertRsa(privateKey, 'JWT_PRIVATE_KEY_FILE');
  const active = toJwk(createPublicKey(privateKey));
  const verification = new Map<string, KeyObject>([[active.kid, createPublicKey(privateKey)]]);
  const jwks = [active];
  previousPublicPems.forEach((pem, i) => {
    const key = createPublicKey(pem);
    assertRsa(key, `JWT_VERIFY_KEY_FILES[${i}]`);
    const jwk = toJwk(key);
    if (verification.has(jwk.kid)) return;
    verification.set(jwk.kid, key);
    jwks.push(jwk);
  });
  return { active: { kid: active.kid, privateKey }, verification, jwks: { keys: jwks } };
}

export function loadSigningKeys(privateKeyFile: string, verifyKeyFiles: string[]): SigningKeys {
  const read = (file: string) => {
    try {
      return readFileSync(file, 'utf8');
    } catch (err) {
      throw new Error(`Cannot read key file ${file}: ${(err as Error).message}`, { cause: err });
    }
  };
  return signingKeysFromPem(read(privateKeyFile), verifyKeyFiles.map(read));
}
