import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';

// Within the reuse grace window the pair issued for a refresh token is kept so a second tab
// presenting the same token gets the same pair. It is encrypted with a key derived from the old
// refresh token itself: whoever reads the cache without that token learns nothing usable.
const SALT = Buffer.from('platform-auth/refresh-grace');
const INFO = Buffer.from('v1 aes-256-gcm');
const IV_BYTES = 12;
const TAG_BYTES = 16;

const keyFor = (oldToken: string): Buffer => Buffer.from(hkdfSync('sha256', Buffer.from(oldToken, 'utf8'), SALT, INFO, 32));

export function sealForToken(oldToken: string, plaintext: string): string {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', keyFor(oldToken), iv);
  const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64url');
}

/** The plaintext, or null when the blob was not sealed for this token or was tampered with. */
export function openForToken(oldToken: string, sealed: string): string | null {
  const raw = Buffer.from(sealed, 'base64url');
  if (raw.length < IV_BYTES + TAG_BYTES) return null;
  try {
    const decipher = createDecipheriv('aes-256-gcm', keyFor(oldToken), raw.subarray(0, IV_BYTES));
    decipher.setAuthTag(raw.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
    return Buffer.concat([decipher.update(raw.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]).toString('utf8');
  } catch {
    return null;
  }
}
