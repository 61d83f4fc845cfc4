import { describe, expect, it } from 'vitest';
import { DEFAULT_SETTINGS, effectiveSettings, readStoredSettings, userSettingsSchema } from '../src/domain/settings.ts';

describe('settings schema', () => {
  it('accepts every field with a valid value', () => {
    const all = {
      theme: 'dark', language: 'de-AT', notification_digest: 'weekly', notification_digest_time: '23:59',
      email_notifications: false, push_notifications: true, show_email_in_directory: true, items_per_page: 50,
    };
    expect(userSettingsSchema.parse(all)).toEqual(all);
  });

  it('accepts an empty object (every field optional)', () => {
    expect(userSettingsSchema.parse({})).toEqual({});
  });

  it.each([
    ['theme', 'blue'],
    ['language', 'english'],
    ['language', 'EN'],
    ['notification_digest_time', '24:00'],
    ['notification_digest_time', '9:00'],
    ['notification_digest_time', '09:60'],
    ['notification_digest', 'hourly'],
    ['email_notifications', 'yes'],
    ['items_per_page', 101],
    ['items_per_page', 4],
    ['items_per_page', 10.5],
  ])('rejects %s = %j', (field, value) => {
    expect(userSettingsSchema.safeParse({ [field]: value }).success).toBe(false);
  });

  it('rejects unknown fields', () => {
    expect(userSettingsSchema.safeParse({ theme: 'dark', colour: 'red' }).success).toBe(false);
  });

  it('accepts language tags with script and region', () => {
    for (const tag of ['en', 'zh-Hant-TW', 'es-419', 'fil']) expect(userSettingsSchema.safeParse({ language: tag }).success, tag).toBe(true);
  });
});

describe('effective settings', () => {
  it('fills what the user never set from the defaults', () => {
    expect(effectiveSettings({ theme: 'dark' })).toEqual({ ...DEFAULT_SETTINGS, theme: 'dark' });
  });

  it('drops stored values that no longer fit the schema instead of failing', () => {
    expect(readStoredSettings({ theme: 'neon', language: 'fr', legacy: 1 })).toEqual({ language: 'fr' });
    expect(readStoredSettings(null)).toEqual({});
    expect(readStoredSettings([1])).toEqual({});
  });
});
