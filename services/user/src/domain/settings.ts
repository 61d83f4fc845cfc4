import { z } from 'zod';

const HH_MM = /^([01]\d|2[0-3]):[0-5]\d$/;
// A BCP 47 tag as apps use it: "en", "de-AT", "zh-Hant-TW".
const LANGUAGE = /^[a-z]{2,3}(-[A-Z][a-z]{3})?(-([A-Z]{2}|\d{3}))?$/;

/** What a user may store under settings; every field optional, unknown fields rejected. */
export const userSettingsSchema = z
  .object({
    theme: z.enum(['light', 'dark', 'system']),
    language: z.string().regex(LANGUAGE, 'must be a language tag such as en or de-AT'),
    notification_digest: z.enum(['off', 'daily', 'weekly']),
    notification_digest_time: z.string().regex(HH_MM, 'must be a time HH:MM (00:00-23:59)'),
    email_notifications: z.boolean(),
    push_notifications: z.boolean(),
    show_email_in_directory: z.boolean(),
    items_per_page: z.number().int().min(5).max(100),
  })
  .partial()
  .strict();

export type UserSettings = z.infer<typeof userSettingsSchema>;

/** What a user who never changed a setting gets. */
export const DEFAULT_SETTINGS: Required<UserSettings> = {
  theme: 'system',
  language: 'en',
  notification_digest: 'daily',
  notification_digest_time: '09:00',
  email_notifications: true,
  push_notifications: true,
  show_email_in_directory: false,
  items_per_page: 20,
};

/** Stored settings over the defaults: what clients see. */
export const effectiveSettings = (stored: UserSettings): Required<UserSettings> => ({ ...DEFAULT_SETTINGS, ...stored });

/** Settings read back from the database: anything that no longer fits the schema is dropped, not fatal. */
export function readStoredSettings(raw: unknown): UserSettings {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) return {};
  const out: Record<string, unknown> = {};
  const shape = userSettingsSchema.shape;
  for (const [key, value] of Object.entries(raw)) {
    const field = shape[key as keyof typeof shape];
    if (field && field.safeParse(value).success) out[key] = value;
  }
  return out as UserSettings;
}
