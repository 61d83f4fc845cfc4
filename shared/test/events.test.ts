import { randomUUID } from 'node:crypto';
import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { resolveDef } from '../src/events/consumer-def.ts';
import {
  authInvitationRequested, consumer, authLoginLocked, consumerQueueNames, defineEvent, eventCatalog, EventSchemaError,
  fileUploaded, userBanned, userRegistered, userUpdated,
} from '../src/events/index.ts';

const user = () => ({
  user_id: randomUUID(), email: 'ann@example.com', display_name: 'Ann', role: 'user' as const, email_verified: false,
});

describe('defineEvent', () => {
  const pinged = defineEvent({ type: 'test.pinged', version: 2, data: z.object({ n: z.number().int() }) });

  it('wraps valid data in an envelope with a uuid, the type, version, time and source', () => {
    const before = Date.now();
    const e = pinged.create({ n: 1 }, { source: 'tests', subject: 'abc' });
    expect(e).toEqual({
      id: expect.stringMatching(/^[0-9a-f-]{36}$/), type: 'test.pinged', version: 2,
      occurred_at: expect.any(String), source: 'tests', subject: 'abc', data: { n: 1 },
    });
    expect(Date.parse(e.occurred_at)).toBeGreaterThanOrEqual(before - 1);
    expect(pinged.create({ n: 1 }, { source: 'tests' }).id).not.toBe(e.id);
  });

  it('leaves subject out of the envelope when none is given', () => {
    expect(Object.keys(pinged.create({ n: 1 }, { source: 'tests' }))).not.toContain('subject');
  });

  it('throws an EventSchemaError naming the bad field', () => {
    expect(() => pinged.create({ n: 1.5 }, { source: 'tests' })).toThrow(EventSchemaError);
    try {
      pinged.create({ n: 'x' as unknown as number }, { source: 'tests' });
    } catch (err) {
      expect((err as EventSchemaError).issues[0]?.path).toBe('n');
      expect((err as Error).message).toMatch(/test\.pinged/);
    }
  });

  it('requires a source', () => {
    expect(() => pinged.create({ n: 1 }, { source: '' })).toThrow(/source/);
  });

  it('parses an envelope that went through JSON', () => {
    const e = pinged.create({ n: 3 }, { source: 'tests' });
    expect(pinged.parse(JSON.parse(JSON.stringify(e)))).toEqual(e);
  });

  it('rejects an envelope of another type or version, or with a bad id or date', () => {
    const e = pinged.create({ n: 3 }, { source: 'tests' });
    expect(() => pinged.parse({ ...e, type: 'test.other' })).toThrow(EventSchemaError);
    expect(() => pinged.parse({ ...e, version: 1 })).toThrow(EventSchemaError);
    expect(() => pinged.parse({ ...e, id: 'not-a-uuid' })).toThrow(EventSchemaError);
    expect(() => pinged.parse({ ...e, occurred_at: 'yesterday' })).toThrow(EventSchemaError);
    expect(() => pinged.parse({ ...e, data: { n: 'three' } })).toThrow(EventSchemaError);
    expect(() => pinged.parse(null)).toThrow(EventSchemaError);
    expect(pinged.safeParse({ ...e, source: '' }).success).toBe(false);
  });

  it('drops unknown data fields, so producers can add fields without breaking consumers', () => {
    const e = pinged.create({ n: 3 }, { source: 'tests' });
    expect(pinged.parse({ ...e, data: { n: 3, extra: true } }).data).toEqual({ n: 3 });
  });
});

describe('event catalog', () => {
  it('holds every type of the guide once, each with version 1', () => {
    expect(eventCatalog.map((d) => d.type).sort()).toEqual([
      'auth.email_verification_requested', 'auth.invitation_requested', 'auth.login_locked', 'auth.password_reset_requested',
      'file.deleted', 'file.uploaded', 'notification.read_state_changed', 'sync.job.completed', 'sync.job.failed', 'sync.job.started',
      'user.banned', 'user.created', 'user.data_erased', 'user.deleted', 'user.registered', 'user.role_changed', 'user.unbanned', 'user.updated',
    ]);
    expect(new Set(eventCatalog.map((d) => d.version))).toEqual(new Set([1]));
  });

  it('has one file per type, named after it', () => {
    const files = readdirSync(new URL('../src/events/catalog', import.meta.url)).filter((f) => !['index.ts', 'fields.ts'].includes(f));
    expect(files.sort()).toEqual(eventCatalog.map((d) => `${d.type.replaceAll(/[._]/g, '-')}.ts`).sort());
  });

  it('accepts a well-formed user.registered and rejects a bad email, role or missing field', () => {
    expect(userRegistered.create(user(), { source: 'auth' }).data.email).toBe('ann@example.com');
    expect(() => userRegistered.create({ ...user(), email: 'nope' }, { source: 'auth' })).toThrow(EventSchemaError);
    expect(() => userRegistered.create({ ...user(), role: 'root' as 'user' }, { source: 'auth' })).toThrow(EventSchemaError);
    const { email_verified: _omit, ...missing } = user();
    expect(() => userRegistered.create(missing as ReturnType<typeof user>, { source: 'auth' })).toThrow(EventSchemaError);
  });

  it('allows a null inviter only where the schema says so', () => {
    const base = {
      user_id: randomUUID(), email: 'b@example.com', display_name: 'B', role: 'user' as const,
      token: 'a-long-random-token', expires_at: new Date().toISOString(), source: 'sync' as const,
    };
    expect(authInvitationRequested.create({ ...base, invited_by: null }, { source: 'auth' }).data.invited_by).toBeNull();
    expect(() => authInvitationRequested.create({ ...base, invited_by: null, source: 'cron' as 'sync' }, { source: 'auth' })).toThrow();
    expect(authLoginLocked.create({ email: 'c@example.com', ip: '10.0.0.1', user_id: null, failures: 5, locked_until: new Date().toISOString() }, { source: 'auth' }).data.user_id).toBeNull();
    expect(userBanned.create({ user_id: randomUUID(), reason: 'spam', until: null, banned_by: randomUUID() }, { source: 'user' }).data.until).toBeNull();
    expect(userBanned.create({ user_id: randomUUID(), reason: 'deactivated: no longer in hr', until: null, banned_by: null }, { source: 'user' }).data.banned_by).toBeNull();
    expect(() => userBanned.create({ user_id: randomUUID(), reason: 'spam', until: null, banned_by: 'admin' }, { source: 'user' })).toThrow();
  });

  it('checks formats: ISO timestamps, hex sha256, string lists', () => {
    expect(() => authLoginLocked.create({ email: 'c@example.com', ip: '10.0.0.1', user_id: null, failures: 5, locked_until: 'tomorrow' }, { source: 'auth' })).toThrow();
    const file = { file_id: randomUUID(), owner_id: randomUUID(), name: 'a.txt', size: 3, content_type: 'text/plain', sha256: 'a'.repeat(64), large: false };
    expect(fileUploaded.create(file, { source: 'file' }).data.sha256).toHaveLength(64);
    expect(() => fileUploaded.create({ ...file, sha256: 'xyz' }, { source: 'file' })).toThrow();
    expect(() => fileUploaded.create({ ...file, size: -1 }, { source: 'file' })).toThrow();
    expect(() => userUpdated.create({ user_id: randomUUID(), changed: [1 as unknown as string] }, { source: 'user' })).toThrow();
  });
});

describe('consumer queue names', () => {
  it('lists the queue, one retry queue per distinct delay and the DLQ', () => {
    expect(consumerQueueNames('notification.mail', [50, 100, 100])).toEqual([
      'notification.mail', 'notification.mail.retry.50', 'notification.mail.retry.100', 'notification.mail.dlq',
    ]);
  });
});

describe('consumer retry policy', () => {
  const def = (extra: object) => consumer({ queue: 'q', event: userUpdated, handle: async () => {}, ...extra });

  it('defaults to one attempt per delay plus the first, and repeats the last delay when asked for more', () => {
    expect(resolveDef(def({}), [1000, 5000])).toMatchObject({ attempts: 3, delays: [1000, 5000] });
    expect(resolveDef(def({ maxAttempts: 2 }), [1000, 5000])).toMatchObject({ attempts: 2, delays: [1000] });
    expect(resolveDef(def({ maxAttempts: 1 }), [])).toMatchObject({ attempts: 1, delays: [] });
  });

  it('rejects a policy that cannot work', () => {
    expect(() => resolveDef(def({ maxAttempts: 3, retryDelaysMs: [] }), [])).toThrow(/delay/);
    expect(() => resolveDef(def({ maxAttempts: 0 }), [10])).toThrow(/maxAttempts/);
    expect(() => resolveDef(def({ retryDelaysMs: [-5] }), [])).toThrow(/positive/);
  });
});
