import { describe, expect, it } from 'vitest';
import jsonwebtoken from 'jsonwebtoken';
import type { Consumer, JwtSecret } from '../src/declarative/model.ts';
import { jwtPlugin, jwtSchema } from '../src/plugins/jwt.ts';
import {
  b64url, build, context, keyPair, nowSeconds, rejection, signToken, type Directory,
} from './auth-fixtures.ts';

const alice: Consumer = { id: 'c-alice', username: 'alice', customId: 'ext-1', tags: [] };
const bob: Consumer = { id: 'c-bob', username: 'bob', tags: [] };
const nobody: Consumer = { id: 'c-anon', username: 'anonymous', tags: [] };

const HS_SECRET = 'alice-hs256-secret';
const rsa = keyPair('rsa');
const hs: JwtSecret = { id: 'cred-hs', consumerId: alice.id, key: 'alice-key', algorithm: 'HS256', secret: HS_SECRET };
const rs: JwtSecret = { id: 'cred-rs', consumerId: bob.id, key: 'bob-key', algorithm: 'RS256', secret: 'unused', rsaPublicKey: rsa.publicPem };

const directory: Directory = { consumers: [alice, bob, nobody], jwtSecrets: [hs, rs] };

const exp = () => nowSeconds() + 300;
const hsToken = (claims: Record<string, unknown> = { iss: hs.key, exp: exp() }, header: Record<string, unknown> = {}) =>
  signToken(claims, { alg: 'HS256', key: HS_SECRET }, header);

const bearer = (token: string): [string, string][] => [['Authorization', `Bearer ${token}`]];

async function refusal(config: Record<string, unknown>, options: Parameters<typeof context>[0], dir = directory) {
  return rejection(build(jwtPlugin, config, dir), context(options));
}

async function accepted(config: Record<string, unknown>, options: Parameters<typeof context>[0], dir = directory) {
  const ctx = context(options);
  await build(jwtPlugin, config, dir).access?.(ctx);
  return ctx;
}

describe('jwt config', () => {
  it("applies Kong 3.10's defaults", () => {
    expect(jwtSchema.parse({})).toEqual({
      uri_param_names: ['jwt'],
      cookie_names: [],
      header_names: ['authorization'],
      key_claim_name: 'iss',
      secret_is_base64: false,
      claims_to_verify: [],
      run_on_preflight: true,
      maximum_expiration: 0,
    });
  });

  it('refuses fields it does not implement, and maximum_expiration without exp verification (as Kong)', () => {
    expect(() => jwtSchema.parse({ leeway: 5 })).toThrow(/leeway/);
    expect(() => jwtSchema.parse({ maximum_expiration: 60 })).toThrow(/claims_to_verify/);
    expect(() => jwtSchema.parse({ maximum_expiration: 60, claims_to_verify: ['exp'] })).not.toThrow();
    expect(() => jwtSchema.parse({ claims_to_verify: ['iat'] })).toThrow();
    expect(() => jwtSchema.parse({ maximum_expiration: 31_536_001, claims_to_verify: ['exp'] })).toThrow();
  });

  it('refuses an anonymous consumer that does not exist (Kong would answer 500 on every request)', () => {
    expect(() => build(jwtPlugin, { anonymous: 'ghost' }, directory)).toThrow(
      "plugin jwt: config.anonymous: anonymous consumer ghost is configured but doesn't exist",
    );
  });
});

describe('jwt: where the token comes from', () => {
  it('reads "Bearer <token>" from the Authorization header, any case of bearer', async () => {
    const ctx = await accepted({}, { headers: [['authorization', `bearer ${hsToken()}`]] });
    expect(ctx.consumer).toBe(alice);
  });

  it('reads configured header_names, first occurrence of a repeated header', async () => {
    const good = hsToken();
    const ctx = await accepted({ header_names: ['CustomAuthorization'] }, {
      headers: [['CustomAuthorization', `Bearer ${good}`], ['customauthorization', 'Bearer other-token']],
    });
    expect(ctx.consumer).toBe(alice);
  });

  it('reads the jwt query argument and configured uri_param_names', async () => {
    expect((await accepted({}, { url: `/x?jwt=${hsToken()}` })).consumer).toBe(alice);
    expect((await accepted({ uri_param_names: ['token'] }, { url: `/x?token=${hsToken()}` })).consumer).toBe(alice);
  });

  it('reads configured cookie_names', async () => {
    const ctx = await accepted({ cookie_names: ['silly', 'crumble'] }, {
      headers: [['Cookie', `other=1; crumble=${hsToken()}; path=/;domain=.example.com`]],
    });
    expect(ctx.consumer).toBe(alice);
  });

  it('accepts the same token found in several places', async () => {
    const token = hsToken();
    expect((await accepted({}, { url: `/x?jwt=${token}`, headers: bearer(token) })).consumer).toBe(alice);
  });

  it('answers 401 "Unauthorized" with WWW-Authenticate: Bearer when there is no token', async () => {
    const err = await refusal({}, {});
    expect(err).toMatchObject({ status: 401, message: 'Unauthorized', code: 'AUTH_001', headers: { 'WWW-Authenticate': 'Bearer' } });
    const withRealm = await refusal({ realm: 'platform' }, { headers: [['Authorization', 'Basic abc']] });
    expect(withRealm.headers).toEqual({ 'WWW-Authenticate': 'Bearer realm="platform"' });
  });

  it('ignores tokens in places it was not told to look', async () => {
    const err = await refusal({ uri_param_names: [] }, { url: `/x?jwt=${hsToken()}`, headers: [['Cookie', `jwt=${hsToken()}`]] });
    expect(err.message).toBe('Unauthorized');
  });

  it('refuses two different tokens: "Multiple tokens provided"', async () => {
    const other = hsToken({ iss: hs.key, exp: exp() + 1 });
    const err = await refusal({}, { url: `/x?jwt=${other}`, headers: bearer(hsToken()) });
    expect(err).toMatchObject({
      status: 401,
      message: 'Multiple tokens provided',
      headers: { 'WWW-Authenticate': 'Bearer error="invalid_token"' },
    });
    expect((await refusal({}, { url: `/x?jwt=${other}&jwt=${hsToken()}` })).message).toBe('Multiple tokens provided');
  });

  it('calls a query argument without a value "Unrecognizable token"; an empty one is no token', async () => {
    expect((await refusal({}, { url: '/x?jwt' })).message).toBe('Unrecognizable token');
    expect((await refusal({}, { url: '/x?jwt=' })).message).toBe('Unauthorized');
  });
});

describe('jwt: refusals with Kong messages', () => {
  const cases: [string, () => string, string][] = [
    ['a token that is not three base64 parts', () => 'no-way-this-works', 'Bad token; invalid JSON'],
    ['a corrupted token', () => `no-way-this-works${hsToken()}`, 'Bad token; invalid JSON'],
    ['alg none', () => `${b64url('{"alg":"none","typ":"JWT"}')}.${b64url(`{"iss":"${hs.key}"}`)}.`, 'Bad token; invalid alg'],
    ['no alg', () => `${b64url('{"typ":"JWT"}')}.${b64url(`{"iss":"${hs.key}"}`)}.c2ln`, 'Bad token; invalid alg'],
    ['an unknown alg', () => hsToken(undefined, { alg: 'HS1' }), 'Bad token; invalid alg'],
    ['claims that are not an object', () => `${b64url('{"alg":"HS256"}')}.${b64url('[1]')}.c2ln`, 'Bad token; invalid claims'],
    ['a signature that is not base64', () => `${hsToken().split('.').slice(0, 2).join('.')}.sig*nature`, 'Bad token; invalid signature'],
    ['no iss', () => hsToken({ exp: exp() }), "No mandatory 'iss' in claims"],
    ['an empty iss', () => hsToken({ iss: '' }), "Invalid 'iss' in claims"],
    ['an iss without credential', () => hsToken({ iss: '123456789' }), "No credentials found for given 'iss'"],
    ['a signature made with another secret', () => signToken({ iss: hs.key }, { alg: 'HS256', key: 'foo' }), 'Invalid signature'],
    ['claims changed after signing', () => {
      const [h, , s] = hsToken({ iss: hs.key, role: 'user' }).split('.');
      return `${h}.${b64url(JSON.stringify({ iss: hs.key, role: 'admin' }))}.${s}`;
    }, 'Invalid signature'],
    ["an alg that is not the credential's", () => hsToken({ iss: hs.key }, { alg: 'HS512' }), 'Invalid algorithm'],
    ['a PS256 token (Kong parses it, no credential can use it)', () => hsToken({ iss: hs.key }, { alg: 'PS256' }), 'Invalid algorithm'],
  ];

  it.each(cases)('%s', async (_name, token, message) => {
    const err = await refusal({}, { headers: bearer(token()) });
    expect(err).toMatchObject({
      status: 401,
      code: 'AUTH_001',
      message,
      headers: { 'WWW-Authenticate': 'Bearer error="invalid_token"' },
    });
  });

  it('names the configured key_claim_name in its messages', async () => {
    expect((await refusal({ key_claim_name: 'aud' }, { headers: bearer(hsToken({ iss: hs.key })) })).message).toBe(
      "No mandatory 'aud' in claims",
    );
  });

  it('says "Could not find consumer" (no WWW-Authenticate) when a credential has no consumer', async () => {
    const orphan: JwtSecret = { ...hs, id: 'cred-orphan', key: 'orphan', consumerId: 'gone' };
    const err = await refusal({}, { headers: bearer(hsToken({ iss: 'orphan' })) }, { ...directory, jwtSecrets: [orphan] });
    expect(err).toMatchObject({ status: 401, message: "Could not find consumer for 'iss=orphan'", headers: {} });
  });
});

describe('jwt: algorithm confusion', () => {
  it('refuses an HS256 token signed with the RS256 credential public key', async () => {
    const forged = signToken({ iss: rs.key, exp: exp() }, { alg: 'HS256', key: rsa.publicPem });
    expect((await refusal({}, { headers: bearer(forged) })).message).toBe('Invalid algorithm');
  });

  it('refuses alg none even for a credential that exists', async () => {
    const none = `${b64url('{"alg":"none"}')}.${b64url(JSON.stringify({ iss: rs.key, exp: exp() }))}.`;
    expect((await refusal({}, { headers: bearer(none) })).message).toBe('Bad token; invalid alg');
  });

  it('refuses an RS256 token for an HS256 credential', async () => {
    const token = signToken({ iss: hs.key }, { alg: 'RS256', key: rsa.privateKey });
    expect((await refusal({}, { headers: bearer(token) })).message).toBe('Invalid algorithm');
  });
});

describe('jwt: algorithms', () => {
  const asymmetric = [
    ['RS256', 'rsa'], ['RS384', 'rsa'], ['RS512', 'rsa'],
    ['ES256', 'P-256'], ['ES384', 'P-384'], ['ES512', 'P-521'], ['EdDSA', 'ed25519'],
  ] as const;

  it.each(asymmetric)('verifies %s with a %s public key', async (alg, kind) => {
    const pair = keyPair(kind);
    const secret: JwtSecret = { id: `cred-${alg}`, consumerId: bob.id, key: `k-${alg}`, algorithm: alg, rsaPublicKey: pair.publicPem };
    const dir = { ...directory, jwtSecrets: [secret] };
    const token = signToken({ iss: secret.key, exp: exp() }, { alg, key: pair.privateKey });
    expect((await accepted({}, { headers: bearer(token) }, dir)).consumer).toBe(bob);

    const otherPair = keyPair(kind);
    const wrong = signToken({ iss: secret.key, exp: exp() }, { alg, key: otherPair.privateKey });
    expect((await refusal({}, { headers: bearer(wrong) }, dir)).message).toBe('Invalid signature');
  });

  it.each(['HS256', 'HS384', 'HS512'] as const)('verifies %s', async (alg) => {
    const secret: JwtSecret = { id: `cred-${alg}`, consumerId: alice.id, key: `k-${alg}`, algorithm: alg, secret: `s-${alg}` };
    const dir = { ...directory, jwtSecrets: [secret] };
    const token = signToken({ iss: secret.key }, { alg, key: `s-${alg}` });
    expect((await accepted({}, { headers: bearer(token) }, dir)).consumer).toBe(alice);
  });

  it('accepts tokens signed by jsonwebtoken (RS256, ES256, HS256)', async () => {
    const ec = keyPair('P-256');
    const es: JwtSecret = { id: 'cred-es', consumerId: bob.id, key: 'es-key', algorithm: 'ES256', rsaPublicKey: ec.publicPem };
    const dir = { ...directory, jwtSecrets: [hs, rs, es] };
    for (const [key, alg, signingKey] of [
      [rs.key, 'RS256', rsa.privateKey], [es.key, 'ES256', ec.privateKey], [hs.key, 'HS256', HS_SECRET],
    ] as const) {
      const token = jsonwebtoken.sign({ iss: key }, signingKey, { algorithm: alg, expiresIn: 60 });
      expect((await accepted({ claims_to_verify: ['exp'] }, { headers: bearer(token) }, dir)).credential?.key).toBe(key);
    }
  });

  it('refuses an ES256 signature in DER form (JOSE wants r||s)', async () => {
    const ec = keyPair('P-256');
    const es: JwtSecret = { id: 'cred-es', consumerId: bob.id, key: 'es-key', algorithm: 'ES256', rsaPublicKey: ec.publicPem };
    const { sign } = await import('node:crypto');
    const input = `${b64url('{"alg":"ES256"}')}.${b64url('{"iss":"es-key"}')}`;
    const der = sign('sha256', Buffer.from(input), ec.privateKey);
    const err = await refusal({}, { headers: bearer(`${input}.${b64url(der)}`) }, { ...directory, jwtSecrets: [es] });
    expect(err.message).toBe('Invalid signature');
  });

  it('answers 500 (and logs) when a credential key cannot be used for its algorithm', async () => {
    const broken: JwtSecret = { id: 'cred-bad', consumerId: bob.id, key: 'bad', algorithm: 'RS256', rsaPublicKey: 'not a pem' };
    const token = signToken({ iss: 'bad' }, { alg: 'RS256', key: rsa.privateKey });
    const err = await refusal({}, { headers: bearer(token) }, { ...directory, jwtSecrets: [broken] });
    expect(err).toMatchObject({ status: 500, message: 'An unexpected error occurred' });
  });
});

describe('jwt: key_claim_name kid', () => {
  it('finds the credential by the kid in the token header', async () => {
    const token = hsToken({ exp: exp() }, { kid: hs.key });
    expect((await accepted({ key_claim_name: 'kid' }, { headers: bearer(token) })).consumer).toBe(alice);
  });

  it('prefers a kid claim over the header kid, as Kong reads claims first', async () => {
    const token = hsToken({ kid: 'nope' }, { kid: hs.key });
    expect((await refusal({ key_claim_name: 'kid' }, { headers: bearer(token) })).message).toBe("No credentials found for given 'kid'");
  });

  it("says No mandatory 'kid' when neither has one", async () => {
    expect((await refusal({ key_claim_name: 'kid' }, { headers: bearer(hsToken({ iss: hs.key })) })).message).toBe(
      "No mandatory 'kid' in claims",
    );
  });
});

describe('jwt: claims_to_verify and maximum_expiration', () => {
  const verifyBoth = { claims_to_verify: ['nbf', 'exp'] };

  it('refuses an expired token: "token expired", AUTH_002, Kong\'s per-claim body in details', async () => {
    const token = hsToken({ iss: hs.key, exp: nowSeconds() - 10, nbf: nowSeconds() - 10 });
    const err = await refusal(verifyBoth, { headers: bearer(token) });
    expect(err).toMatchObject({
      status: 401,
      code: 'AUTH_002',
      message: 'token expired',
      details: { exp: 'token expired' },
      headers: { 'WWW-Authenticate': 'Bearer error="invalid_token"' },
    });
  });

  it('treats exp equal to now as expired', async () => {
    const err = await refusal(verifyBoth, { headers: bearer(hsToken({ iss: hs.key, exp: nowSeconds() })) });
    expect(err.message).toBe('token expired');
  });

  it('refuses a token not valid yet', async () => {
    const err = await refusal(verifyBoth, { headers: bearer(hsToken({ iss: hs.key, exp: exp(), nbf: nowSeconds() + 60 })) });
    expect(err).toMatchObject({ code: 'AUTH_001', message: 'token not valid yet', details: { nbf: 'token not valid yet' } });
  });

  it('requires the verified claims to be numbers', async () => {
    const err = await refusal(verifyBoth, { headers: bearer(hsToken({ iss: hs.key })) });
    expect(err).toMatchObject({ message: 'must be a number', details: { nbf: 'must be a number', exp: 'must be a number' } });
    const stringExp = await refusal({ claims_to_verify: ['exp'] }, { headers: bearer(hsToken({ iss: hs.key, exp: String(exp()) })) });
    expect(stringExp.details).toEqual({ exp: 'must be a number' });
  });

  it('lets an expired token through when exp is not in claims_to_verify (Kong does too)', async () => {
    const ctx = await accepted({}, { headers: bearer(hsToken({ iss: hs.key, exp: nowSeconds() - 3600 })) });
    expect(ctx.consumer).toBe(alice);
  });

  it('refuses a token living longer than maximum_expiration', async () => {
    const config = { claims_to_verify: ['exp'], maximum_expiration: 300 };
    const err = await refusal(config, { headers: bearer(hsToken({ iss: hs.key, exp: nowSeconds() + 3600 })) });
    expect(err).toMatchObject({
      status: 401,
      code: 'AUTH_001',
      message: 'exceeds maximum allowed expiration',
      details: { exp: 'exceeds maximum allowed expiration' },
    });
    expect((await accepted(config, { headers: bearer(hsToken({ iss: hs.key, exp: nowSeconds() + 270 })) })).consumer).toBe(alice);
  });
});

describe('jwt: secret_is_base64', () => {
  it('decodes the stored secret and verifies tokens signed with the original', async () => {
    const original = 'the original secret';
    const stored: JwtSecret = { ...hs, secret: Buffer.from(original).toString('base64') };
    const token = signToken({ iss: hs.key }, { alg: 'HS256', key: original });
    const ctx = await accepted({ secret_is_base64: true }, { headers: bearer(token) }, { ...directory, jwtSecrets: [stored] });
    expect(ctx.consumer).toBe(alice);
  });

  it('answers "Invalid key/secret" when the stored secret is not base64', async () => {
    const notBase64: JwtSecret = { ...hs, secret: 'not base64!' };
    const hsErr = await refusal({ secret_is_base64: true }, { headers: bearer(hsToken({ iss: hs.key })) }, { ...directory, jwtSecrets: [notBase64] });
    expect(hsErr.message).toBe('Invalid key/secret');
  });

  it('leaves rsa_public_key alone (Kong 3.9+ does not base64-decode it)', async () => {
    const rsToken = signToken({ iss: rs.key }, { alg: 'RS256', key: rsa.privateKey });
    expect((await accepted({ secret_is_base64: true }, { headers: bearer(rsToken) })).consumer).toBe(bob);
  });
});

describe('jwt: consumer headers', () => {
  const spoofed: [string, string][] = [
    ['X-Consumer-ID', 'evil'],
    ['X-Consumer-Custom-ID', 'evil'],
    ['X-Consumer-Username', 'admin'],
    ['X-Credential-Identifier', 'evil'],
    ['X-Anonymous-Consumer', 'true'],
  ];

  it('sets the consumer and credential and the X-Consumer-* headers upstream', async () => {
    const token = hsToken();
    const ctx = await accepted({}, { headers: bearer(token) });
    expect(ctx.credential).toEqual({ id: hs.id, key: hs.key, kind: 'jwt' });
    expect(ctx.anonymous).toBe(false);
    expect(ctx.upstream.headers).toMatchObject({
      'x-consumer-id': alice.id,
      'x-consumer-custom-id': 'ext-1',
      'x-consumer-username': 'alice',
      'x-credential-identifier': hs.key,
    });
    expect(ctx.upstream.headers['x-anonymous-consumer']).toBeUndefined();
    // The token itself still goes upstream, as with Kong.
    expect(ctx.upstream.headers.authorization).toBe(`Bearer ${token}`);
  });

  it('removes consumer headers the client sent itself', async () => {
    const ctx = await accepted({}, { headers: [...spoofed, ...bearer(signToken({ iss: rs.key }, { alg: 'RS256', key: rsa.privateKey }))] });
    expect(ctx.upstream.headers).toMatchObject({ 'x-consumer-id': bob.id, 'x-consumer-username': 'bob', 'x-credential-identifier': rs.key });
    expect(ctx.upstream.headers['x-consumer-custom-id']).toBeUndefined();
    expect(ctx.upstream.headers['x-anonymous-consumer']).toBeUndefined();
  });

  it('skips OPTIONS when run_on_preflight is false, and still drops spoofed consumer headers', async () => {
    const ctx = await accepted({ run_on_preflight: false }, { method: 'OPTIONS', headers: spoofed });
    expect(ctx.consumer).toBeUndefined();
    for (const [name] of spoofed) expect(ctx.upstream.headers[name.toLowerCase()]).toBeUndefined();
    expect((await refusal({}, { method: 'OPTIONS' })).message).toBe('Unauthorized');
  });
});

describe('jwt: anonymous', () => {
  it('lets a failed request through as the anonymous consumer (by id or username)', async () => {
    for (const anonymous of [nobody.id, 'anonymous']) {
      const ctx = await accepted({ anonymous }, { headers: [['X-Credential-Identifier', 'evil'], ...bearer('garbage')] });
      expect(ctx.consumer).toBe(nobody);
      expect(ctx.credential).toBeUndefined();
      expect(ctx.anonymous).toBe(true);
      expect(ctx.upstream.headers).toMatchObject({ 'x-consumer-id': nobody.id, 'x-consumer-username': 'anonymous', 'x-anonymous-consumer': 'true' });
      expect(ctx.upstream.headers['x-credential-identifier']).toBeUndefined();
    }
  });

  it('still authenticates a good token', async () => {
    const ctx = await accepted({ anonymous: nobody.id }, { headers: bearer(hsToken()) });
    expect(ctx.consumer).toBe(alice);
    expect(ctx.anonymous).toBe(false);
  });

  it('does nothing when an earlier auth plugin already identified the client (logical OR)', async () => {
    const handlers = build(jwtPlugin, { anonymous: nobody.id }, directory);
    const ctx = context({ headers: bearer('garbage') });
    ctx.consumer = bob;
    ctx.credential = { id: 'k1', key: 'key', kind: 'key-auth' };
    await handlers.access?.(ctx);
    expect(ctx.consumer).toBe(bob);
  });
});
