// Kong's jwt_parser decode_token: split into at most three parts, base64url-decode, JSON-parse header
// and claims, and refuse algorithms it does not know. The texts returned are Kong's ("Bad token; " + it).

export type DecodedToken = {
  header: Record<string, unknown>;
  claims: Record<string, unknown>;
  alg: string;
  /** header.claims exactly as sent: what the signature covers. */
  signingInput: string;
  signature: Buffer;
};

/** The algorithms Kong 3.10's parser accepts in a token header; anything else is "invalid alg". */
const KNOWN_ALGS = new Set([
  'HS256', 'HS384', 'HS512', 'RS256', 'RS384', 'RS512', 'ES256', 'ES384', 'ES512', 'PS256', 'PS384', 'PS512', 'EdDSA',
]);

// ngx.decode_base64 refuses characters outside the alphabet (Kong maps - and _ to + and / first);
// Buffer.from would silently skip them, so check first.
const BASE64 = /^[A-Za-z0-9+/_-]*={0,2}$/;

export function decodeBase64(input: string): Buffer | undefined {
  if (!BASE64.test(input)) return undefined;
  const bare = input.replace(/=+$/, '');
  if (bare.length % 4 === 1) return undefined;
  return Buffer.from(bare, 'base64');
}

function decodeJson(part: string | undefined): unknown {
  if (part === undefined) return undefined;
  const bytes = decodeBase64(part);
  if (bytes === undefined) return undefined;
  try {
    return JSON.parse(bytes.toString('utf8'));
  } catch {
    return undefined;
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The decoded token, or the reason Kong gives after "Bad token; ". */
export function decodeToken(token: string): DecodedToken | string {
  const first = token.indexOf('.');
  const second = first === -1 ? -1 : token.indexOf('.', first + 1);
  if (second === -1) return 'invalid JSON';
  const header = decodeJson(token.slice(0, first));
  const claims = decodeJson(token.slice(first + 1, second));
  if (!isObject(header) || claims === undefined) return 'invalid JSON';
  const alg = header.alg;
  if (typeof alg !== 'string' || !KNOWN_ALGS.has(alg)) return 'invalid alg';
  if (!isObject(claims)) return 'invalid claims';
  // The rest, dots included, is the signature (Kong's tokenize stops after three parts).
  const signature = decodeBase64(token.slice(second + 1));
  if (signature === undefined) return 'invalid signature';
  return { header, claims, alg, signingInput: token.slice(0, second), signature };
}
