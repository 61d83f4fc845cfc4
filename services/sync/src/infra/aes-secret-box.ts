import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { SecretBox } from '../usecases/ports.ts';

const VERSION = 'v1';

/**
 * AES-256-GCM over the JSON of a connection's secrets: "v1.<iv>.<tag>.<ciphertext>" (base64url).
 * A fresh 12-byte IV per seal; the auth tag makes a tampered or wrong-key blob fail to open.
 */
export function createAesSecretBox(key: Buffer): SecretBox {
  if (key.length !== 32) throw new Error('SYNC_SECRET_KEY must be 32 bytes');
  return {
    seal(secrets) {
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', key, iv);
      const data = Buffer.concat([cipher.update(JSON.stringify(secrets), 'utf8'), cipher.final()]);
      return [VERSION, iv.toString('base64url'), cipher.getAuthTag().toString('base64url'), data.toString('base64url')].join('.');
    },
    open(sealed) {
      const [version, iv, tag, data] = sealed.split('.');
      if (version !== VERSION || !iv || !tag || data === undefined) throw new Error('unreadable connection secrets');
      const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'));
      decipher.setAuthTag(Buffer.from(tag, 'base64url'));
      const json = Buffer.concat([decipher.update(Buffer.from(data, 'base64url')), decipher.final()]).toString('utf8');
      return JSON.parse(json) as Record<string, string>;
    },
  };
}
