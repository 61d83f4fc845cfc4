import type { ServiceClient } from '@platform/shared/service-client';
import { describe, expect, it } from 'vitest';
import { createUserRecordClient } from '../src/infra/clients/user-record-client.ts';

/** A user service answering lookups from a set of known ids, recording the ids of each call. */
function fakeApi(known: Set<string>) {
  const calls: string[][] = [];
  const state = { down: false };
  const api = {
    post: async (_path: string, opts: { body: { ids: string[] } }) => {
      calls.push(opts.body.ids);
      if (state.down) throw new Error('user service down');
      return { users: opts.body.ids.filter((id) => known.has(id)).map((id) => ({ id })), missing: opts.body.ids.filter((id) => !known.has(id)) };
    },
  } as unknown as ServiceClient;
  return { api, calls, state };
}

describe('user record lookups', () => {
  it('share one call when asked together: each gets its record, or null when unknown; an id asked twice is sent once', async () => {
    const { api, calls } = fakeApi(new Set(['a', 'b']));
    const users = createUserRecordClient(api);
    expect(await Promise.all(['a', 'b', 'x', 'a'].map((id) => users.lookup(id)))).toEqual([{ id: 'a' }, { id: 'b' }, null, { id: 'a' }]);
    expect(calls).toEqual([['a', 'b', 'x']]);
  });

  it('never send more than 100 ids in one call', async () => {
    const ids = Array.from({ length: 250 }, (_, i) => `u${i}`);
    const { api, calls } = fakeApi(new Set(ids));
    const users = createUserRecordClient(api);
    expect(await Promise.all(ids.map((id) => users.lookup(id)))).toEqual(ids.map((id) => ({ id })));
    expect(calls.map((c) => c.length)).toEqual([100, 100, 50]);
  });

  it('fail every lookup of a call that fails (their events are retried), and the next ones call again', async () => {
    const fake = fakeApi(new Set(['a']));
    const users = createUserRecordClient(fake.api);
    fake.state.down = true;
    const results = await Promise.allSettled([users.lookup('a'), users.lookup('b')]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    fake.state.down = false;
    expect(await users.lookup('a')).toEqual({ id: 'a' });
    expect(fake.calls).toEqual([['a', 'b'], ['a']]);
  });
});
