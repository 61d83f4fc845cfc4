import { z } from 'zod';
import { normalizeDisplayName, type ProfilePatch } from '../domain/user.ts';

/* eslint-disable no-control-regex -- these patterns exist to refuse control characters */
const CONTROL = /[\u0000-\u001f\u007f]/;
// Multi-line text keeps tab, line feed and carriage return.
const CONTROL_BUT_NEWLINES = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/;
/* eslint-enable no-control-regex */
const text = (max: number) => z.string().trim().min(1).max(max).refine((v) => !CONTROL.test(v), 'Must not contain control characters');
const multiline = (max: number) => z.string().max(max).refine((v) => !CONTROL_BUT_NEWLINES.test(v), 'Must not contain control characters');

const TIMEZONES = new Set([...Intl.supportedValuesOf('timeZone'), 'UTC']);
const LANGUAGE_TAG = /^[a-z]{2,3}(-[A-Z][a-z]{3})?(-([A-Z]{2}|\d{3}))?$/;

export const userIdParams = z.strictObject({ id: z.uuid() });

const profileFields = {
  display_name: text(100).transform(normalizeDisplayName),
  first_name: text(100).nullable(),
  last_name: text(100).nullable(),
  avatar_file_id: z.uuid().nullable(),
  bio: multiline(1000).nullable(),
  locale: z.string().regex(LANGUAGE_TAG, 'Must be a language tag such as en or de-AT').nullable(),
  timezone: z.string().refine((v) => TIMEZONES.has(v), 'Must be an IANA time zone such as Europe/Berlin').nullable(),
};

/** PUT: the whole editable profile; a field left out is cleared (display_name is required). */
export const profilePutBody = z.strictObject({
  ...profileFields,
  first_name: profileFields.first_name.default(null),
  last_name: profileFields.last_name.default(null),
  avatar_file_id: profileFields.avatar_file_id.default(null),
  bio: profileFields.bio.default(null),
  locale: profileFields.locale.default(null),
  timezone: profileFields.timezone.default(null),
});

/** PATCH: any subset of the editable profile, at least one field. Role, status and email are not here (unknown → 400). */
export const profilePatchBody = z
  .strictObject({
    display_name: profileFields.display_name.optional(),
    first_name: profileFields.first_name.optional(),
    last_name: profileFields.last_name.optional(),
    avatar_file_id: profileFields.avatar_file_id.optional(),
    bio: profileFields.bio.optional(),
    locale: profileFields.locale.optional(),
    timezone: profileFields.timezone.optional(),
  });

type ProfileBody = { [K in keyof typeof profileFields]?: z.output<(typeof profileFields)[K]> };

/** snake_case body → the domain's ProfilePatch (only the fields given). */
export function toProfilePatch(body: ProfileBody): ProfilePatch {
  const patch: ProfilePatch = {};
  if (body.display_name !== undefined) patch.displayName = body.display_name;
  if (body.first_name !== undefined) patch.firstName = body.first_name;
  if (body.last_name !== undefined) patch.lastName = body.last_name;
  if (body.avatar_file_id !== undefined) patch.avatarFileId = body.avatar_file_id;
  if (body.bio !== undefined) patch.bio = body.bio;
  if (body.locale !== undefined) patch.locale = body.locale;
  if (body.timezone !== undefined) patch.timezone = body.timezone;
  return patch;
}

/** Up to 1 000 ids per lookup. */
export const lookupBody = z.strictObject({ ids: z.array(z.uuid()).min(1).max(1_000) });
