import { createHmac, timingSafeEqual } from 'node:crypto';

/** The longest a signed link may live (issue 6: at most 7 days). */
export const MAX_LINK_TTL_S = 7 * 24 * 3600;

export type LinkClaims = { fileId: string; linkId: string; expires: number };

// Every part of the URL a client could change is under the MAC: file id, link id and expiry
// (unix seconds). The fields are joined with a separator none of them can contain.
const payload = ({ fileId, linkId, expires }: LinkClaims) => `file-link:v1\n${fileId}\n${linkId}\n${expires}`;

export function signLink(secret: string, claims: LinkClaims): string {
  return createHmac('sha256', secret).update(payload(claims)).digest('base64url');
}

/** Constant-time comparison of the expected MAC with the one in the URL (any length, any text). */
export function linkSignatureValid(secret: string, claims: LinkClaims, signature: string): boolean {
  const expected = Buffer.from(signLink(secret, claims));
  const given = Buffer.from(signature);
  // timingSafeEqual needs equal lengths; compare against itself so a length mismatch costs the same.
  const same = timingSafeEqual(expected, given.length === expected.length ? given : expected);
  return same && given.length === expected.length;
}
