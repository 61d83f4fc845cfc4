// Kong routes on the normalized path (kong.tools.uri normalize, like nginx's $uri): percent-encoded
// unreserved characters decoded, other escapes upper-cased, "." and ".." segments resolved, "//"
// merged. Without it `/public/../auth/x` would match the public route and reach the protected path.
const NEEDS_WORK = /%|\/\.|\/\//;
const UNRESERVED = /[A-Za-z0-9\-._~]/;

export function normalizePath(raw: string): string {
  if (!NEEDS_WORK.test(raw)) return raw;
  let path = raw.replace(/%([0-9A-Fa-f]{2})/g, (escape, hex: string) => {
    const char = String.fromCharCode(parseInt(hex, 16));
    return UNRESERVED.test(char) ? char : escape.toUpperCase();
  });
  path = path.replace(/\/{2,}/g, '/');
  if (!path.includes('/.')) return path;
  const out: string[] = [];
  const segments = path.split('/');
  for (let i = 1; i < segments.length; i++) {
    const segment = segments[i] as string;
    if (segment === '..') out.pop();
    else if (segment !== '.') out.push(segment);
  }
  const last = segments[segments.length - 1];
  // "/a/b/.." names the directory /a/, as in RFC 3986's remove_dot_segments.
  const joined = `/${out.join('/')}`;
  return (last === '.' || last === '..') && !joined.endsWith('/') ? `${joined}/` : joined;
}
