import { createHash } from 'node:crypto';

// RFC 7638 §3.2: only the required members of each key type, in lexicographic order.
const REQUIRED: Record<string, string[]> = {
  RSA: ['e', 'kty', 'n'],
  EC: ['crv', 'kty', 'x', 'y'],
  OKP: ['crv', 'kty', 'x'],
};

/** The JWK's SHA-256 thumbprint, base64url: a stable `kid` that changes only when the key does. */
export function jwkThumbprint(jwk: Record<string, unknown>): string {
  const kty = String(jwk.kty);
  const members = REQUIRED[kty];
  if (!members) throw new Error(`Unsupported key type ${kty}`);
  const canonical = `{${members.map((m) => `${JSON.stringify(m)}:${JSON.stringify(String(jwk[m]))}`).join(',')}}`;
  return createHash('sha256').update(canonical, 'utf8').digest('base64url');
}
