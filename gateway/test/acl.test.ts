import { describe, expect, it } from 'vitest';
import type { Consumer } from '../src/declarative/model.ts';
import type { RequestContext } from '../src/plugins/plugin.ts';
import { aclPlugin, aclSchema } from '../src/plugins/acl.ts';
import { build, context, rejection, type ContextOptions, type Directory } from './auth-fixtures.ts';

const admin: Consumer = { id: 'c-admin', username: 'admin', tags: [] };
const pro: Consumer = { id: 'c-pro', username: 'pro', tags: [] };
const groupless: Consumer = { id: 'c-none', username: 'none', tags: [] };
const directory: Directory = {
  consumers: [admin, pro, groupless],
  acls: [
    { consumerId: admin.id, group: 'admin' },
    { consumerId: pro.id, group: 'pro' },
    { consumerId: pro.id, group: 'hello' },
  ],
};

type Who = { consumer?: Consumer; anonymous?: boolean; credentialOnly?: boolean };

function asClient(who: Who, options: ContextOptions = {}): RequestContext {
  const ctx = context(options);
  if (who.consumer) ctx.consumer = who.consumer;
  if ((who.consumer && !who.anonymous) || who.credentialOnly) ctx.credential = { id: 'cred', key: 'k', kind: 'key-auth' };
  ctx.anonymous = who.anonymous ?? false;
  return ctx;
}

async function run(config: Record<string, unknown>, who: Who, options: ContextOptions = {}) {
  const ctx = asClient(who, options);
  await build(aclPlugin, config, directory).access?.(ctx);
  return ctx;
}

const refusal = (config: Record<string, unknown>, who: Who) => rejection(build(aclPlugin, config, directory), asClient(who));

describe('acl config', () => {
  it('needs exactly one of allow and deny', () => {
    expect(() => aclSchema.parse({})).toThrow(/exactly one/);
    expect(() => aclSchema.parse({ allow: ['a'], deny: ['b'] })).toThrow(/exactly one/);
    expect(aclSchema.parse({ allow: ['a'] })).toEqual({
      allow: ['a'],
      hide_groups_header: false,
      always_use_authenticated_groups: false,
      include_consumer_groups: false,
    });
  });

  it('refuses consumer groups and unknown fields', () => {
    expect(() => aclSchema.parse({ allow: ['a'], include_consumer_groups: true })).toThrow(/consumer groups/);
    expect(() => aclSchema.parse({ whitelist: ['a'] })).toThrow(/whitelist/);
  });
});

describe('acl', () => {
  it('lets an allowed consumer through and tells the upstream its groups', async () => {
    const ctx = await run({ allow: ['admin', 'pro'] }, { consumer: pro }, { headers: [['X-Consumer-Groups', 'admin']] });
    expect(ctx.upstream.headers['x-consumer-groups']).toBe('pro, hello');
  });

  it('answers 403 "You cannot consume this service" (AUTH_003) outside the allow list', async () => {
    const err = await refusal({ allow: ['admin'] }, { consumer: pro });
    expect(err).toMatchObject({ status: 403, code: 'AUTH_003', message: 'You cannot consume this service', headers: {} });
  });

  it('blocks a denied group and lets the others through', async () => {
    expect((await refusal({ deny: ['admin', 'pro'] }, { consumer: pro })).status).toBe(403);
    const ctx = await run({ deny: ['admin'] }, { consumer: pro });
    expect(ctx.upstream.headers['x-consumer-groups']).toBe('pro, hello');
  });

  it('answers 401 "Unauthorized" when no consumer was identified', async () => {
    for (const config of [{ allow: ['admin'] }, { deny: ['admin'] }]) {
      expect(await refusal(config, {})).toMatchObject({ status: 401, code: 'AUTH_001', message: 'Unauthorized' });
    }
  });

  it('answers 403 when a credential was found but no consumer', async () => {
    expect((await refusal({ allow: ['admin'] }, { credentialOnly: true })).status).toBe(403);
  });

  it('treats an anonymous consumer without groups as unauthenticated for an allow list (401)', async () => {
    expect((await refusal({ allow: ['admin'] }, { consumer: groupless, anonymous: true })).status).toBe(401);
  });

  it('answers 403 to an authenticated consumer without groups facing an allow list', async () => {
    expect((await refusal({ allow: ['admin'] }, { consumer: groupless })).status).toBe(403);
  });

  it('lets a consumer without groups through a deny list with an empty X-Consumer-Groups', async () => {
    const ctx = await run({ deny: ['admin'] }, { consumer: groupless, anonymous: true });
    expect(ctx.upstream.headers['x-consumer-groups']).toBe('');
  });

  it('hides the groups (even a client-sent X-Consumer-Groups) when hide_groups_header is on', async () => {
    const ctx = await run({ allow: ['admin'], hide_groups_header: true }, { consumer: admin }, {
      headers: [['X-Consumer-Groups', 'root'], ['X-Authenticated-Groups', 'root']],
    });
    expect(ctx.upstream.headers['x-consumer-groups']).toBeUndefined();
    expect(ctx.upstream.headers['x-authenticated-groups']).toBeUndefined();
  });

  it('keeps deciding the same way for the same consumer (decisions are cached per consumer)', async () => {
    const handlers = build(aclPlugin, { allow: ['admin'] }, directory);
    for (let i = 0; i < 3; i += 1) {
      const ok = asClient({ consumer: admin });
      await handlers.access?.(ok);
      expect(ok.upstream.headers['x-consumer-groups']).toBe('admin');
      expect((await rejection(handlers, asClient({ consumer: pro }))).status).toBe(403);
    }
  });
});
