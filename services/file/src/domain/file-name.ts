// Windows device names are refused with any extension ("CON.txt" opens the console there too).
const RESERVED = /^(con|prn|aux|nul|com[0-9¹²³]|lpt[0-9¹²³]|conin\$|conout\$)(\..*)?$/i;
// C0/C1 controls, bidi overrides and zero-width characters that can disguise an extension.
// eslint-disable-next-line no-control-regex
const INVISIBLE = /[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]/g;
// Separators and characters that are special on some file system or in a header.
const SPECIAL = /[/\\:*?"<>|]/g;

export const MAX_NAME_BYTES = 255;
export const MAX_ORIGINAL_NAME_LENGTH = 1024;
const FALLBACK = 'file';

/** Cuts a string to at most `max` UTF-8 bytes without splitting a character. */
function truncateUtf8(s: string, max: number): string {
  if (Buffer.byteLength(s) <= max) return s;
  let out = '';
  for (const ch of s) {
    if (Buffer.byteLength(out + ch) > max) break;
    out += ch;
  }
  return out;
}

/**
 * A file name safe to store and to send back in Content-Disposition: only the last path segment
 * of what the client sent, no control or invisible characters, no separators or reserved
 * characters, no leading dots or trailing dots/spaces, not a Windows device name, at most 255
 * UTF-8 bytes with the extension kept. Never empty ("file" when nothing is left).
 */
export function sanitizeFileName(raw: string): string {
  let name = raw.normalize('NFC').replace(INVISIBLE, '');
  // Only the last segment of a path: "../../etc/passwd" → "passwd", "C:\\x\\y.txt" → "y.txt".
  name = name.split(/[/\\]/).pop() ?? '';
  name = name.replace(SPECIAL, '_').replace(/\s+/g, ' ').trim();
  name = name.replace(/^[.\s]+/, '').replace(/[.\s]+$/, '');
  if (RESERVED.test(name)) name = `_${name}`;
  if (Buffer.byteLength(name) > MAX_NAME_BYTES) {
    const dot = name.lastIndexOf('.');
    const ext = dot > 0 && name.length - dot <= 16 ? name.slice(dot) : '';
    name = truncateUtf8(name.slice(0, ext ? dot : name.length), MAX_NAME_BYTES - Buffer.byteLength(ext)).trimEnd() + ext;
  }
  return name || FALLBACK;
}

/** The name as the client sent it, kept as metadata: invisible characters removed and length capped. */
export function originalName(raw: string): string {
  return raw.replace(INVISIBLE, '').slice(0, MAX_ORIGINAL_NAME_LENGTH) || FALLBACK;
}

/** The lower-case extension without the dot, or ''. */
export function extensionOf(name: string): string {
  const dot = name.lastIndexOf('.');
  return dot > 0 ? name.slice(dot + 1).toLowerCase() : '';
}
