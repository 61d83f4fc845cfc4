import type { RecordError } from './job.ts';

/** A person as the user service's batch-upsert takes them, keyed by the connection and the source's id. */
export type ImportedUser = {
  externalId: string;
  email: string;
  displayName: string;
  firstName: string | null;
  lastName: string | null;
  locale: string | null;
  timezone: string | null;
};

/** Our user fields a provider record can be mapped to. */
export const USER_FIELDS = ['external_id', 'email', 'display_name', 'first_name', 'last_name', 'locale', 'timezone'] as const;
export type UserField = (typeof USER_FIELDS)[number];

const EMAIL = /^[^\s@"<>(),;:\\[\]]+@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$/;
const MAX = { external_id: 200, email: 254, display_name: 100, first_name: 100, last_name: 100, locale: 35, timezone: 64 } as const;

const text = (v: unknown): string | null => {
  if (v === undefined || v === null) return null;
  if (typeof v === 'number' || typeof v === 'bigint') return String(v);
  if (typeof v !== 'string') return null;
  const t = v.trim().replace(/\s+/g, ' ');
  return t === '' ? null : t;
};

/**
 * Checks the fields a provider produced and builds the user to upsert, or says what is wrong with
 * the record (missing id or email, a malformed email, a field too long). display_name falls back to
 * "first last", then to the email's local part.
 */
export function toImportedUser(fields: Partial<Record<UserField, unknown>>, raw: unknown): { user: ImportedUser } | { error: RecordError } {
  const externalId = text(fields.external_id);
  const ref = externalId;
  const fail = (field: string, message: string) => ({ error: { recordRef: ref, field, message, raw } });
  if (!externalId) return fail('external_id', 'Missing external id');
  const email = text(fields.email)?.toLowerCase() ?? null;
  if (!email) return fail('email', 'Missing email');
  if (!EMAIL.test(email)) return fail('email', 'Invalid email address');
  const values: Record<UserField, string | null> = {
    external_id: externalId,
    email,
    first_name: text(fields.first_name),
    last_name: text(fields.last_name),
    display_name: text(fields.display_name),
    locale: text(fields.locale),
    timezone: text(fields.timezone),
  };
  values.display_name ??= [values.first_name, values.last_name].filter(Boolean).join(' ') || email.split('@')[0]!;
  for (const field of USER_FIELDS) {
    const v = values[field];
    if (v !== null && v.length > MAX[field]) return fail(field, `Longer than ${MAX[field]} characters`);
  }
  return {
    user: {
      externalId, email, displayName: values.display_name,
      firstName: values.first_name, lastName: values.last_name, locale: values.locale, timezone: values.timezone,
    },
  };
}
