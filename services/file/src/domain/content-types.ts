import { extensionOf } from './file-name.ts';

/** Text formats file-type cannot recognise from magic bytes; accepted when the bytes are valid UTF-8 without NULs. */
export const TEXT_TYPES: ReadonlySet<string> = new Set(['text/plain', 'text/csv', 'text/markdown', 'application/json']);

const TEXT_BY_EXTENSION: Readonly<Record<string, string>> = {
  txt: 'text/plain', text: 'text/plain', log: 'text/plain', csv: 'text/csv', md: 'text/markdown', markdown: 'text/markdown', json: 'application/json',
};

// Names browsers and OSes use for the same format.
const ALIASES: Readonly<Record<string, string>> = {
  'image/jpg': 'image/jpeg', 'image/pjpeg': 'image/jpeg', 'image/x-png': 'image/png',
  'application/x-zip-compressed': 'application/zip', 'application/x-zip': 'application/zip',
  'application/x-gzip': 'application/gzip', 'audio/x-wav': 'audio/wav', 'audio/wave': 'audio/wav', 'audio/vnd.wave': 'audio/wav',
  'audio/mp3': 'audio/mpeg', 'audio/x-flac': 'audio/flac', 'audio/x-m4a': 'audio/mp4', 'text/x-markdown': 'text/markdown',
  'application/x-pdf': 'application/pdf', 'text/comma-separated-values': 'text/csv', 'application/csv': 'text/csv',
  'text/json': 'application/json', 'application/x-rtf': 'application/rtf', 'text/rtf': 'application/rtf',
};

// Formats that are a zip or an OLE compound file inside; file-type may only see the container.
const ZIP_BASED = /^application\/(vnd\.openxmlformats-officedocument\.|vnd\.oasis\.opendocument\.|epub\+zip$|java-archive$)/;
const CFB_BASED = new Set(['application/msword', 'application/vnd.ms-excel', 'application/vnd.ms-powerpoint', 'application/vnd.ms-outlook']);

const GENERIC = new Set(['', 'application/octet-stream', 'binary/octet-stream', 'application/unknown']);

/** "Image/JPG; charset=x" → "image/jpeg". */
export function normalizeContentType(raw: string | undefined): string {
  const base = (raw ?? '').split(';')[0]!.trim().toLowerCase();
  return ALIASES[base] ?? base;
}

/** Whether a type is on the allow-list (entries are exact types or `family/*`). */
export function isAllowedType(type: string, allowList: readonly string[]): boolean {
  const t = normalizeContentType(type);
  const family = `${t.split('/')[0]}/*`;
  return allowList.some((entry) => {
    const e = normalizeContentType(entry);
    return e === t || e === family;
  });
}

export type TypeDecision = { ok: true; contentType: string; needsTextCheck: boolean } | { ok: false; reason: string };

/**
 * What a file is stored as, from the type sniffed from its first bytes (undefined when file-type
 * knows no magic for it), the type and name the client declared, and the allow-list. The sniffed
 * type wins; a declared type that contradicts it is refused, so an executable called photo.jpg
 * never gets in. Files without magic bytes can only be one of the allowed text formats, and the
 * caller must then check that every byte is UTF-8 text (needsTextCheck).
 */
export function decideContentType(
  { sniffed, declared, name }: { sniffed: string | undefined; declared: string | undefined; name: string },
  allowList: readonly string[],
): TypeDecision {
  const claimed = normalizeContentType(declared);
  const generic = GENERIC.has(claimed);
  if (sniffed) {
    const actual = normalizeContentType(sniffed);
    // A zip/OLE container declared as the office/ebook format it holds: keep the declared type.
    const container = !generic && ((actual === 'application/zip' && ZIP_BASED.test(claimed)) || (actual === 'application/x-cfb' && CFB_BASED.has(claimed)));
    const stored = container ? claimed : actual;
    if (!isAllowedType(stored, allowList)) return { ok: false, reason: `Files of type ${actual} are not allowed` };
    if (!generic && !container && claimed !== actual) {
      return { ok: false, reason: `The content is ${actual}, not the declared ${claimed}` };
    }
    return { ok: true, contentType: stored, needsTextCheck: false };
  }
  const fromName = TEXT_BY_EXTENSION[extensionOf(name)];
  const stored = generic ? (fromName ?? 'text/plain') : claimed;
  if (!TEXT_TYPES.has(stored)) {
    return { ok: false, reason: generic ? 'The file type could not be recognised' : `The content is not ${claimed}` };
  }
  if (!isAllowedType(stored, allowList)) return { ok: false, reason: `Files of type ${stored} are not allowed` };
  return { ok: true, contentType: stored, needsTextCheck: true };
}
