import { effectiveSettings } from '../domain/settings.ts';
import type { User } from '../domain/user.ts';

const iso = (d: Date | null) => (d ? d.toISOString() : null);

/** What any signed-in user may see of someone else. */
export const toPublicUserJson = (u: User) => ({
  id: u.id,
  display_name: u.displayName,
  avatar_file_id: u.avatarFileId,
  bio: u.bio,
  ...(u.settings.show_email_in_directory === true && { email: u.email }),
});

/** The editable profile fields. */
export const toProfileJson = (u: User) => ({
  id: u.id,
  display_name: u.displayName,
  first_name: u.firstName,
  last_name: u.lastName,
  avatar_file_id: u.avatarFileId,
  bio: u.bio,
  locale: u.locale,
  timezone: u.timezone,
  version: u.version,
});

/** The whole record: for the user themselves, admins and other services. */
export const toUserJson = (u: User) => ({
  ...toProfileJson(u),
  email: u.email,
  role: u.role,
  status: u.status,
  ban_reason: u.banReason,
  banned_until: iso(u.bannedUntil),
  external_source: u.externalSource,
  external_id: u.externalId,
  created_at: u.createdAt.toISOString(),
  updated_at: u.updatedAt.toISOString(),
  created_by: u.createdBy,
  updated_by: u.updatedBy,
  deleted_at: iso(u.deletedAt),
});

/** The public subset of the profile for others. */
export const toPublicProfileJson = (u: User) => ({
  id: u.id,
  display_name: u.displayName,
  avatar_file_id: u.avatarFileId,
  bio: u.bio,
});

/** Stored settings over the defaults; the version travels in the ETag header. */
export const toSettingsJson = (u: User) => effectiveSettings(u.settings);
