// nginx tells `?name` (a boolean true in kong.request.get_query) from `?name=` (an empty string);
// URLSearchParams does not, so the auth plugins look at the raw query when it matters.

function decodeArg(text: string): string | undefined {
  try {
    return decodeURIComponent(text.replace(/\+/g, ' '));
  } catch {
    return undefined;
  }
}

/** True when the raw URL has the argument `name` without "=". */
export function hasValuelessArg(url: string | undefined, name: string): boolean {
  const q = url?.indexOf('?') ?? -1;
  if (q === -1 || url === undefined) return false;
  for (const part of url.slice(q + 1).split('&')) {
    if (part === name || (part.includes('%') && !part.includes('=') && decodeArg(part) === name)) return true;
  }
  return false;
}
