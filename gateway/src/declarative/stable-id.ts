import { createHash } from 'node:crypto';

// Kong gives entities without an id a generated one; ours are UUID v5-style hashes of the entity's
// kind and natural key, so the same file always yields the same ids (config hash, metrics, logs).
const NAMESPACE = 'platform-gateway/declarative';

export function stableId(kind: string, key: string): string {
  const hex = createHash('sha1').update(`${NAMESPACE}\0${kind}\0${key}`).digest('hex');
  const variant = ((parseInt(hex.slice(16, 18), 16) & 0x3f) | 0x80).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-5${hex.slice(13, 16)}-${variant}${hex.slice(18, 20)}-${hex.slice(20, 32)}`;
}
