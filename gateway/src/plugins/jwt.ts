// Kong's jwt plugin (3.10): find the token, pick the consumer's jwt_secret by key_claim_name, require
// the token's alg to equal the credential's algorithm (so `none` and HS-signed-with-the-RSA-public-key
// tokens fail), verify the signature, then the registered claims and maximum_expiration.
// Messages, statuses and WWW-Authenticate values are Kong's.
import { z } from 'zod';
import type { JwtSecret } from '../declarative/model.ts';
import { GatewayError, type PluginDefinition, type RequestContext } from './plugin.ts';
import { resolveAnonymous } from './authentication/anonymous.ts';
import { authenticationAccess } from './authentication/access-flow.ts';
import { setConsumer } from './authentication/consumer-headers.ts';
import { checkMaximumExpiration, verifyRegisteredClaims, type ClaimErrors } from './jwt/claims.ts';
import { decodeToken, type DecodedToken } from './jwt/decode-token.ts';
import { retrieveTokens, VALUELESS } from './jwt/retrieve-tokens.ts';
import { buildVerifier, type Verifier } from './jwt/verify-key.ts';
import { createVerifiedTokens, type VerifiedToken } from './jwt/verified-tokens.ts';

const name = z.string().min(1);
// Kong's "set" fields: duplicates are dropped.
const stringSet = (fallback: string[]) => z.array(name).default(fallback).transform((v) => [...new Set(v)]);

export const jwtSchema = z
  .strictObject({
    uri_param_names: stringSet(['jwt']),
    cookie_names: stringSet([]),
    header_names: stringSet(['authorization']),
    key_claim_name: name.default('iss'),
    secret_is_base64: z.boolean().default(false),
    claims_to_verify: z.array(z.enum(['exp', 'nbf'])).nullish().transform((v) => [...new Set(v ?? [])]),
    anonymous: name.nullish(),
    run_on_preflight: z.boolean().default(true),
    maximum_expiration: z.number().min(0).max(31_536_000).default(0),
    realm: name.nullish(),
  })
  .superRefine((config, issues) => {
    // Kong's entity check: a maximum lifetime only makes sense when exp is verified.
    if (config.maximum_expiration > 0 && !config.claims_to_verify.includes('exp')) {
      issues.addIssue({
        code: 'custom',
        path: ['claims_to_verify'],
        message: "expected to contain: exp (required when maximum_expiration is greater than 0)",
      });
    }
  });

export type JwtConfig = z.infer<typeof jwtSchema>;

/** Why authentication failed: Kong's message, the WWW-Authenticate value it sends (if any), our code. */
type Failure = { message: string; www: string | undefined; code?: string; details?: ClaimErrors };

function safeVerify(verifier: Verifier, token: DecodedToken): boolean {
  try {
    return verifier(token.signingInput, token.signature);
  } catch {
    return false; // signature bytes this key type cannot even parse
  }
}

export const jwtPlugin: PluginDefinition<typeof jwtSchema> = {
  name: 'jwt',
  priority: 1450,
  schema: jwtSchema,
  create(config, env) {
    const anonymous = resolveAnonymous('jwt', config.anonymous, env);
    const sources = {
      uriParamNames: config.uri_param_names,
      cookieNames: config.cookie_names,
      headerNames: config.header_names.map((h) => h.toLowerCase()),
    };
    const claimName = config.key_claim_name;
    const wwwBase = config.realm ? `Bearer realm="${config.realm}"` : 'Bearer';
    const wwwError = `${wwwBase} error="invalid_token"`;
    // Per plugin instance, because secret_is_base64 changes the key material.
    const verifiers = new Map<JwtSecret, Verifier | null>();
    // Per plugin instance too: a hit is only valid for the verifier this instance built.
    const verifiedTokens = createVerifiedTokens();

    const verifierFor = (secret: JwtSecret): Verifier | null => {
      let verifier = verifiers.get(secret);
      if (verifier === undefined) {
        try {
          verifier = buildVerifier(secret, config.secret_is_base64) ?? null;
        } catch (err) {
          env.logger.error('jwt credential key unusable', { credential_id: secret.id, error: (err as Error).message });
          throw new GatewayError(500, 'An unexpected error occurred', { code: 'SYS_001' });
        }
        verifiers.set(secret, verifier);
      }
      return verifier;
    };

    const lookupKey = (token: VerifiedToken): unknown => {
      // Kong: claims[key_claim_name] or header[key_claim_name] (so a `kid` claim wins over the header's).
      const fromClaims = Object.hasOwn(token.claims, claimName) ? token.claims[claimName] : undefined;
      if (fromClaims !== undefined && fromClaims !== false) return fromClaims;
      return Object.hasOwn(token.header, claimName) ? token.header[claimName] : undefined;
    };

    const invalid = (message: string): Failure => ({ message, www: wwwError });

    const authenticate = (ctx: RequestContext): Failure | undefined => {
      const found = retrieveTokens(ctx, sources);
      if (found.kind === 'none') return { message: 'Unauthorized', www: wwwBase };
      if (found.kind === 'many') return invalid('Multiple tokens provided');
      if (found.token === VALUELESS) return invalid('Unrecognizable token');
      const raw = found.token;
      const now = Math.floor(Date.now() / 1000);
      const hit = verifiedTokens.get(raw, now);
      const token = hit ? hit.token : decodeToken(raw);
      if (typeof token === 'string') return invalid(`Bad token; ${token}`);

      const key = lookupKey(token);
      if (key === undefined || key === false) return invalid(`No mandatory '${claimName}' in claims`);
      if (key === '') return invalid(`Invalid '${claimName}' in claims`);
      const secret =
        typeof key === 'string' || typeof key === 'number' ? env.consumers.jwtSecretByKey(String(key)) : undefined;
      if (!secret) return invalid(`No credentials found for given '${claimName}'`);

      if (token.alg !== secret.algorithm) return invalid('Invalid algorithm');
      // A hit counts only for the very credential that verified it (same key material and algorithm).
      if (hit?.secret !== secret) {
        const verifier = verifierFor(secret);
        if (!verifier) return invalid('Invalid key/secret');
        // A hit for another credential kept no signature bytes: decode again (same string, same result).
        const full = hit ? decodeToken(raw) : (token as DecodedToken);
        if (typeof full === 'string' || !safeVerify(verifier, full)) return invalid('Invalid signature');
        verifiedTokens.remember(raw, full, secret, now);
      }

      const claimErrors = verifyRegisteredClaims(token.claims, config.claims_to_verify, now);
      if (claimErrors) {
        const expired = claimErrors.exp === 'token expired';
        const message = expired ? 'token expired' : (Object.values(claimErrors)[0] as string);
        return { message, www: wwwError, code: expired ? 'AUTH_002' : 'AUTH_001', details: claimErrors };
      }
      if (config.maximum_expiration > 0) {
        const tooLong = checkMaximumExpiration(token.claims, config.maximum_expiration, now);
        if (tooLong) return { message: tooLong.exp as string, www: wwwError, details: tooLong };
      }

      const consumer = env.consumers.byId(secret.consumerId);
      // Kong: "this should not happen"; its answer carries no WWW-Authenticate.
      if (!consumer) return { message: `Could not find consumer for '${claimName}=${String(key)}'`, www: undefined };
      setConsumer(ctx, consumer, { id: secret.id, key: secret.key, kind: 'jwt' }, secret.key);
      return undefined;
    };

    return {
      access: authenticationAccess({
        runOnPreflight: config.run_on_preflight,
        anonymous,
        authenticate,
        reject: (failure) => new GatewayError(401, failure.message, {
          code: failure.code ?? 'AUTH_001',
          headers: failure.www ? { 'WWW-Authenticate': failure.www } : {},
          ...(failure.details ? { details: failure.details } : {}),
        }),
      }),
    };
  },
};
