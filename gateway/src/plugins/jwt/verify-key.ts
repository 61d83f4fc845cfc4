// One verifier per jwt_secret, built once (guide §12: a KeyObject, never a PEM string per request).
// Kong picks `secret` for HS* and `rsa_public_key` for every other algorithm; secret_is_base64
// decodes the HS secret only (Kong 3.9 stopped base64-decoding rsa_public_key).
import { createHmac, createPublicKey, createSecretKey, timingSafeEqual, verify, type KeyObject } from 'node:crypto';
import type { JwtSecret } from '../../declarative/model.ts';
import { decodeBase64 } from './decode-token.ts';

export type Verifier = (signingInput: string, signature: Buffer) => boolean;

type Alg = JwtSecret['algorithm'];

const DIGEST: Record<Alg, string | null> = {
  HS256: 'sha256', HS384: 'sha384', HS512: 'sha512',
  RS256: 'sha256', RS384: 'sha384', RS512: 'sha512',
  ES256: 'sha256', ES384: 'sha384', ES512: 'sha512',
  EdDSA: null,
};

// JOSE ECDSA signatures are r||s of fixed size; the curve must match the algorithm (RFC 7518 §3.4).
const EC_CURVE: Partial<Record<Alg, { curve: string; size: number }>> = {
  ES256: { curve: 'prime256v1', size: 64 },
  ES384: { curve: 'secp384r1', size: 96 },
  ES512: { curve: 'secp521r1', size: 132 },
};

function hmacVerifier(digest: string, key: KeyObject): Verifier {
  return (input, signature) => {
    const expected = createHmac(digest, key).update(input).digest();
    return expected.length === signature.length && timingSafeEqual(expected, signature);
  };
}

function publicKeyVerifier(alg: Alg, key: KeyObject): Verifier {
  const type = key.asymmetricKeyType;
  const digest = DIGEST[alg];
  if (alg.startsWith('RS')) {
    if (type !== 'rsa') throw new Error(`${alg} needs an RSA public key, got ${type}`);
    return (input, signature) => verify(digest, Buffer.from(input), key, signature);
  }
  const ec = EC_CURVE[alg];
  if (ec) {
    const curve = key.asymmetricKeyDetails?.namedCurve;
    if (type !== 'ec' || curve !== ec.curve) throw new Error(`${alg} needs an EC ${ec.curve} public key`);
    const options = { key, dsaEncoding: 'ieee-p1363' as const };
    // Kong asserts on a wrong length (a 500); here it is simply a signature that does not verify.
    return (input, signature) => signature.length === ec.size && verify(digest, Buffer.from(input), options, signature);
  }
  if (type !== 'ed25519' && type !== 'ed448') throw new Error(`EdDSA needs an Ed25519 or Ed448 public key, got ${type}`);
  return (input, signature) => verify(null, Buffer.from(input), key, signature);
}

/**
 * The verifier for a credential, or undefined when Kong would answer "Invalid key/secret" (no key
 * material, or secret_is_base64 and the secret is not base64). Throws on a public key that cannot be
 * parsed or does not fit the algorithm: that is a configuration error (the loader may call this).
 */
export function buildVerifier(secret: JwtSecret, secretIsBase64: boolean): Verifier | undefined {
  const alg = secret.algorithm;
  if (alg.startsWith('HS')) {
    if (secret.secret === undefined) return undefined;
    const material = secretIsBase64 ? decodeBase64(secret.secret) : Buffer.from(secret.secret, 'utf8');
    if (material === undefined) return undefined;
    return hmacVerifier(DIGEST[alg] as string, createSecretKey(material));
  }
  if (secret.rsaPublicKey === undefined) return undefined;
  return publicKeyVerifier(alg, createPublicKey(secret.rsaPublicKey));
}
