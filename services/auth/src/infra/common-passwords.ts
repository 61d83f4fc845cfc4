import { readFileSync } from 'node:fs';

const DEFAULT_FILE = new URL('../../data/common-passwords.txt', import.meta.url);

/** The shipped deny-list, lower-cased, one password a line; `#` lines are comments. */
export function loadCommonPasswords(file: URL | string = DEFAULT_FILE): ReadonlySet<string> {
  const set = new Set<string>();
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const entry = line.trim();
    if (entry && !entry.startsWith('#')) set.add(entry.toLowerCase());
  }
  return set;
}
