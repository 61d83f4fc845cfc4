import { describe, expect, it } from 'vitest';
import {
  canChangeRole, canChangeStatus, canEditProfile, canReadFullRecord, changedFields, isVisibleTo, normalizeDisplayName, type User,
} from '../src/domain/user.ts';

const self = { id: 'u1', role: 'user' as const };
const other = { id: 'u2', role: 'user' as const };
const admin = { id: 'a1', role: 'admin' as const };
const service = { id: 'sync', role: 'service' as const };

const user = (over: Partial<User> = {}): User => ({
  id: 'u1', email: 'ann@example.com', displayName: 'Ann', firstName: null, lastName: null, avatarFileId: null, bio: null,
  locale: null, timezone: null, role: 'user', status: 'active', banReason: null, bannedUntil: null, settings: {},
  externalSource: null, externalId: null, createdAt: new Date(0), updatedAt: new Date(0), createdBy: null, updatedBy: null,
  deletedAt: null, version: 1, ...over,
});

describe('who sees the whole record', () => {
  it('lets users see their own record and admins see anyone', () => {
    expect(canReadFullRecord(self, 'u1')).toBe(true);
    expect(canReadFullRecord(admin, 'u1')).toBe(true);
  });
  it('shows other users and services only the public fields', () => {
    expect(canReadFullRecord(other, 'u1')).toBe(false);
    expect(canReadFullRecord(service, 'u1')).toBe(false);
  });
});

describe('who sees a user at all', () => {
  it('shows active users to everyone signed in', () => {
    expect(isVisibleTo(other, user())).toBe(true);
  });
  it('hides banned and deleted users from other users but not from admins or themselves', () => {
    for (const status of ['banned', 'deleted'] as const) {
      expect(isVisibleTo(other, user({ status }))).toBe(false);
      expect(isVisibleTo(admin, user({ status }))).toBe(true);
      expect(isVisibleTo(self, user({ status }))).toBe(true);
    }
  });
});

describe('who edits a profile', () => {
  it('lets users edit themselves and admins edit anyone', () => {
    expect(canEditProfile(self, 'u1')).toBe(true);
    expect(canEditProfile(admin, 'u1')).toBe(true);
  });
  it('refuses other users and services', () => {
    expect(canEditProfile(other, 'u1')).toBe(false);
    expect(canEditProfile(service, 'u1')).toBe(false);
  });
});

describe('role and status changes', () => {
  it('never lets anyone raise their own role', () => {
    expect(canChangeRole(self, 'u1', 'user', 'admin')).toBe(false);
    expect(canChangeRole({ id: 'a1', role: 'admin' }, 'a1', 'user', 'admin')).toBe(false);
  });
  it('lets only admins change roles of others, and an admin step down', () => {
    expect(canChangeRole(admin, 'u1', 'user', 'admin')).toBe(true);
    expect(canChangeRole(admin, 'a1', 'admin', 'user')).toBe(true);
    expect(canChangeRole(other, 'u1', 'user', 'admin')).toBe(false);
    expect(canChangeRole(service, 'u1', 'user', 'admin')).toBe(false);
  });
  it('never lets anyone change their own status; admins change others', () => {
    expect(canChangeStatus(self, 'u1')).toBe(false);
    expect(canChangeStatus(admin, 'a1')).toBe(false);
    expect(canChangeStatus(admin, 'u1')).toBe(true);
    expect(canChangeStatus(other, 'u1')).toBe(false);
  });
});

describe('changedFields', () => {
  it('names only the fields whose value differs', () => {
    expect(changedFields(user({ bio: 'x' }), { displayName: 'Ann', bio: 'y', locale: null, firstName: 'A' })).toEqual(['bio', 'firstName']);
  });
  it('is empty when nothing changes', () => {
    expect(changedFields(user(), { displayName: 'Ann', bio: null })).toEqual([]);
  });
});

it('normalizes display names by trimming and collapsing whitespace', () => {
  expect(normalizeDisplayName('  Ann   van  Dijk ')).toBe('Ann van Dijk');
});
