// Kong's path construction (kong/router/utils.lua get_upstream_uri, path_handling v0, the only one
// Kong 3.10's traditional_compatible router uses): the service path joined with what is left of the
// request path after strip_path.

/** Kong's sanitize_uri_postfix: a leftover "." / ".." (or a leading "./" / "../") is dropped. */
function sanitizePostfix(postfix: string): string {
  if (postfix === '.' || postfix === '..') return '';
  if (postfix.startsWith('./')) return postfix.slice(2);
  if (postfix.startsWith('../')) return postfix.slice(3);
  return postfix;
}

/**
 * @param reqPath the normalized request path (no query)
 * @param matched the part the route matched (prefix, or the regex's whole match); null without a path condition
 * @param base the service's path ('/' when unset)
 */
export function upstreamPath(reqPath: string, matched: string | null, stripPath: boolean, base: string): string {
  const strip = stripPath && matched !== null;
  const postfix = sanitizePostfix(strip ? reqPath.slice(matched.length) : reqPath.slice(1));
  if (base.endsWith('/')) {
    if (!strip) return base + reqPath.slice(1);
    if (postfix === '') {
      if (base === '/') return '/';
      return reqPath.endsWith('/') ? base : base.slice(0, -1);
    }
    return postfix.startsWith('/') ? base.slice(0, -1) + postfix : base + postfix;
  }
  if (!strip) return reqPath === '/' ? base : base + reqPath;
  if (postfix === '') return reqPath.length > 1 && reqPath.endsWith('/') ? `${base}/` : base;
  return postfix.startsWith('/') ? base + postfix : `${base}/${postfix}`;
}
