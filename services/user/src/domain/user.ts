import type { UserSettings } from './settings.ts';

export const USER_ROLES = ['user', 'admin'] as const;
export type UserRole = (typeof USER_ROLES)[number];

export const USER_STATUSES = ['active', 'banned', 'deleted'] as const;
export type UserStatus = (typeof USER_STATUSES)[number];

/** A person's profile; email, role and status mirror auth, the rest is owned here. */
export type User = {
  id: string;
  email: string;
  displayName: string;
  firstName: string | null;
  lastName: string | null;
  avatarFileId: string | null;
  bio: string | null;
  locale: string | null;
  timezone: string | null;
  role: UserRole;
  status: UserStatus;
  banReason: string | null;
  bannedUntil: Date | null;
  settings: UserSettings;
  externalSource: string | null;
  externalId: string | null;
  createdAt: Date;
  updatedAt: Date;
  createdBy: string | null;
  updatedBy: string | null;
  deletedAt: Date | null;
  version: number;
};

/** The profile fields a user (or an admin for them) may change through the profile routes. */
export type ProfilePatch = {
  displayName?: string;
  firstName?: string | null;
  lastName?: string | null;
  avatarFileId?: string | null;
  bio?: string | null;
  locale?: string | null;
  timezone?: string | null;
};

/** ProfilePatch keys as the snake_case names events and clients use (user.updated's `changed`). */
export const PROFILE_FIELD_NAMES: Readonly<Record<keyof ProfilePatch, string>> = {
  displayName: 'display_name',
  firstName: 'first_name',
  lastName: 'last_name',
  avatarFileId: 'avatar_file_id',
  bio: 'bio',
  locale: 'locale',
  timezone: 'timezone',
};

/** Who is asking, as the rules need it (an authenticated actor's id and role). */
export type Viewer = { id: string; role: 'user' | 'admin' | 'service' };

export const isSelf = (viewer: Viewer, userId: string): boolean => viewer.id === userId;
export const isAdmin = (viewer: Viewer): boolean => viewer.role === 'admin';

/** Self and admins see the whole record; everyone else only the public fields. */
export const canReadFullRecord = (viewer: Viewer, userId: string): boolean => isSelf(viewer, userId) || isAdmin(viewer);

/**
 * Whether the user exists at all for this viewer: banned and deleted people vanish from other
 * users' view (404), while they themselves and admins still see them.
 */
export const isVisibleTo = (viewer: Viewer, user: Pick<User, 'id' | 'status'>): boolean =>
  user.status === 'active' || canReadFullRecord(viewer, user.id);

/** Self or an admin may edit a profile. */
export const canEditProfile = (viewer: Viewer, userId: string): boolean => isSelf(viewer, userId) || isAdmin(viewer);

const ROLE_RANK: Readonly<Record<UserRole, number>> = { user: 0, admin: 1 };

/** Nobody raises their own role; only admins change anyone's role. */
export function canChangeRole(viewer: Viewer, userId: string, from: UserRole, to: UserRole): boolean {
  if (!isAdmin(viewer)) return false;
  if (isSelf(viewer, userId) && ROLE_RANK[to] > ROLE_RANK[from]) return false;
  return true;
}

/** Nobody changes their own status (ban, unban, delete happen to others, by admins). */
export const canChangeStatus = (viewer: Viewer, userId: string): boolean => isAdmin(viewer) && !isSelf(viewer, userId);

/** The changed field names of a patch against the current user (only fields whose value differs). */
export function changedFields(user: User, patch: ProfilePatch): (keyof ProfilePatch)[] {
  return (Object.keys(patch) as (keyof ProfilePatch)[]).filter((k) => patch[k] !== undefined && patch[k] !== user[k]);
}

/** Collapses runs of whitespace and trims. */
export const normalizeDisplayName = (raw: string): string => raw.trim().replace(/\s+/g, ' ');

export const normalizeEmail = (raw: string): string => raw.trim().toLowerCase();
