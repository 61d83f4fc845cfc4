import { describe, expect, it } from 'vitest';
import type { Consumer, KeyAuthCredential } from '../src/declarative/model.ts';
import { keyAuthPlugin, keyAuthSchema } from '../src/plugins/key-auth.ts';
import { jwtPlugin } from '../src/plugins/jwt.ts';
import { build, context, rejection, type ContextOptions, type Directory } from './auth-fixtures.ts';

const alice: Consumer = { id: 'c-alice', username: 'alice', customId: 'ext-1', tags: [] };
const nobody: Consumer = { id: 'c-anon', username: 'anonymous', tags: [] };
const aliceKey: KeyAuthCredential = { id: 'cred-1', consumerId: alice.id, key: 'secret-key-1' };
const directory: Directory = { consumers: [alice, nobody], keyAuths: [aliceKey] };

async function refusal(config: Record<string, unknown>, options: ContextOptions) {
  return rejection(build(keyAuthPlugin, config, directory), context(options));
}

async function accepted(config: Record<string, unknown>, options: ContextOptions) {
  const ctx = context(options);
  await build(keyAuthPlugin, config, directory).access?.(ctx);
  return ctx;
}

describe('key-auth config', () => {
  it("applies Kong 3.10's defaults", () => {
    expect(keyAuthSchema.parse({})).toEqual({
      key_names: ['apikey'],
      hide_credentials: false,
      key_in_header: true,
      key_in_query: true,
      key_in_body: false,
      run_on_preflight: true,
    });
  });

  it('refuses what it does not implement: key_in_body, other identity realms, unknown fields', () => {
    expect(() => keyAuthSchema.parse({ key_in_body: true })).toThrow(/key_in_body is not supported/);
    expect(() => keyAuthSchema.parse({ identity_realms: [{ scope: 'realm', id: 'x' }] })).toThrow();
    expect(() => keyAuthSchema.parse({ identity_realms: [{ scope: 'cp' }] })).not.toThrow();
    expect(() => keyAuthSchema.parse({ key_names: ['api key'] })).toThrow(/may only contain/);
    expect(() => keyAuthSchema.parse({ keyname: 'x' })).toThrow(/keyname/);
  });
});

describe('key-auth', () => {
  it('authenticates a key from the apikey header and sets the consumer headers', async () => {
    const ctx = await accepted({}, { headers: [['apikey', aliceKey.key], ['X-Anonymous-Consumer', 'true']] });
    expect(ctx.consumer).toBe(alice);
    expect(ctx.credential).toEqual({ id: aliceKey.id, key: aliceKey.key, kind: 'key-auth' });
    expect(ctx.upstream.headers).toMatchObject({
      'x-consumer-id': alice.id,
      'x-consumer-custom-id': 'ext-1',
      'x-consumer-username': 'alice',
      'x-credential-identifier': aliceKey.id,
      apikey: aliceKey.key,
    });
    expect(ctx.upstream.headers['x-anonymous-consumer']).toBeUndefined();
  });

  it('authenticates a key from the query', async () => {
    const ctx = await accepted({}, { url: `/x?apikey=${aliceKey.key}` });
    expect(ctx.consumer).toBe(alice);
    expect(ctx.upstream.query.get('apikey')).toBe(aliceKey.key);
  });

  it('answers 401 "No API key found in request" with WWW-Authenticate: Key', async () => {
    const err = await refusal({}, {});
    expect(err).toMatchObject({ status: 401, code: 'AUTH_001', message: 'No API key found in request', headers: { 'WWW-Authenticate': 'Key' } });
    expect((await refusal({ realm: 'kong' }, {})).headers).toEqual({ 'WWW-Authenticate': 'Key realm="kong"' });
    expect((await refusal({}, { headers: [['apikey', '']] })).message).toBe('No API key found in request');
  });

  it('answers 401 "Unauthorized" for a key nobody has', async () => {
    const err = await refusal({}, { headers: [['apikey', 'wrong']] });
    expect(err).toMatchObject({ status: 401, code: 'AUTH_001', message: 'Unauthorized', headers: { 'WWW-Authenticate': 'Key' } });
  });

  it('answers "Duplicate API key found" for a key sent twice', async () => {
    expect((await refusal({}, { headers: [['apikey', 'a'], ['APIKEY', 'b']] })).message).toBe('Duplicate API key found');
    expect((await refusal({}, { url: `/x?apikey=${aliceKey.key}&apikey=${aliceKey.key}` })).message).toBe('Duplicate API key found');
  });

  it('looks only where it is told to', async () => {
    expect((await refusal({ key_in_header: false }, { headers: [['apikey', aliceKey.key]] })).message).toBe('No API key found in request');
    expect((await refusal({ key_in_query: false }, { url: `/x?apikey=${aliceKey.key}` })).message).toBe('No API key found in request');
  });

  it('tries each key name in order; a header wins over the query for the same name', async () => {
    const ctx = await accepted({ key_names: ['x-api-key', 'apikey'] }, { url: '/x?apikey=wrong', headers: [['X-API-Key', aliceKey.key]] });
    expect(ctx.consumer).toBe(alice);
    expect((await refusal({}, { url: `/x?apikey=${aliceKey.key}`, headers: [['apikey', 'wrong']] })).message).toBe('Unauthorized');
  });

  it('skips a query argument without a value, as Kong sees a boolean there', async () => {
    const ctx = await accepted({ key_names: ['apikey', 'key'] }, { url: `/x?apikey&key=${aliceKey.key}` });
    expect(ctx.consumer).toBe(alice);
  });

  it('finds a key name with underscores in the dashed header, as nginx does', async () => {
    const ctx = await accepted({ key_names: ['api_key'], hide_credentials: true }, { headers: [['api-key', aliceKey.key]] });
    expect(ctx.consumer).toBe(alice);
    expect(ctx.upstream.headers['api-key']).toBeUndefined();
  });

  it('hides the credential from the upstream, keeping the other query arguments in order', async () => {
    const ctx = await accepted({ hide_credentials: true }, { url: `/x?b=2&apikey=${aliceKey.key}&a=1`, headers: [['apikey', aliceKey.key]] });
    expect(ctx.upstream.headers.apikey).toBeUndefined();
    expect(ctx.upstream.query.toString()).toBe('b=2&a=1');
  });

  it('lets a failed request through as the anonymous consumer', async () => {
    const ctx = await accepted({ anonymous: 'anonymous' }, { headers: [['apikey', 'wrong'], ['X-Credential-Identifier', 'evil']] });
    expect(ctx.consumer).toBe(nobody);
    expect(ctx.anonymous).toBe(true);
    expect(ctx.upstream.headers).toMatchObject({ 'x-consumer-id': nobody.id, 'x-anonymous-consumer': 'true' });
    expect(ctx.upstream.headers['x-credential-identifier']).toBeUndefined();
    expect(() => build(keyAuthPlugin, { anonymous: 'ghost' }, directory)).toThrow(/anonymous consumer ghost is configured but doesn't exist/);
  });

  it('skips OPTIONS when run_on_preflight is false', async () => {
    const ctx = await accepted({ run_on_preflight: false }, { method: 'OPTIONS', headers: [['X-Consumer-Username', 'admin']] });
    expect(ctx.consumer).toBeUndefined();
    expect(ctx.upstream.headers['x-consumer-username']).toBeUndefined();
    expect((await refusal({}, { method: 'OPTIONS' })).message).toBe('No API key found in request');
  });

  it('with jwt, both anonymous: whichever authenticates first wins, the other does not override it', async () => {
    const jwt = build(jwtPlugin, { anonymous: nobody.id }, directory);
    const keyAuth = build(keyAuthPlugin, { anonymous: nobody.id }, directory);
    const ctx = context({ headers: [['apikey', aliceKey.key]] });
    await jwt.access?.(ctx); // higher priority: no token, so anonymous for now
    expect(ctx.anonymous).toBe(true);
    await keyAuth.access?.(ctx);
    expect(ctx.consumer).toBe(alice);
    expect(ctx.anonymous).toBe(false);
    expect(ctx.upstream.headers['x-anonymous-consumer']).toBeUndefined();
  });
});
