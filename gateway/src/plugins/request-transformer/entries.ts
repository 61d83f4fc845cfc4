// The "name:value" entries of the transformer plugins, split the way Kong's iterators do
// (`^([^:]+):*(.-)$`): the name ends at the first colon, further colons right after it are skipped,
// and an empty value counts as no value at all.

export type Entry = { name: string; value: string | undefined };

export function splitEntry(entry: string): Entry {
  const colon = entry.indexOf(':');
  if (colon === -1) return { name: entry, value: undefined };
  let start = colon + 1;
  while (entry[start] === ':') start += 1;
  const value = entry.slice(start);
  return { name: entry.slice(0, colon), value: value === '' ? undefined : value };
}

/** Kong's typedefs header name check (kong.tools.http.validate_header_name). */
export const HEADER_NAME = /^[A-Za-z0-9_-]+$/;

export const badHeader = (text: string) => `'${text}' is not a valid header`;
