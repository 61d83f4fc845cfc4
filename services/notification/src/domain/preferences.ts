import { CATEGORIES, CHANNELS, type Category, type Channel } from './categories.ts';

export type PreferenceChoice = { category: Category; channel: Channel; enabled: boolean };

/** Every category × channel pair; a pair without a stored choice is enabled. */
export type PreferenceMatrix = Record<Category, Record<Channel, boolean>>;

/** Security mail (password reset, verification, lockout alerts) always goes out: it protects the account. */
export const isLocked = (category: Category, channel: Channel): boolean => category === 'security' && channel === 'email';

export function defaultMatrix(): PreferenceMatrix {
  return Object.fromEntries(CATEGORIES.map((c) => [c, Object.fromEntries(CHANNELS.map((ch) => [ch, true]))])) as PreferenceMatrix;
}

/** The stored choices over the defaults; a stored "off" for a locked pair is ignored. */
export function effectivePreferences(choices: readonly PreferenceChoice[]): PreferenceMatrix {
  const matrix = defaultMatrix();
  for (const { category, channel, enabled } of choices) matrix[category][channel] = enabled || isLocked(category, channel);
  return matrix;
}

export const isEnabled = (choices: readonly PreferenceChoice[], category: Category, channel: Channel): boolean =>
  effectivePreferences(choices)[category][channel];

/** The choices that try to turn off a locked pair (the request is refused as a whole). */
export const lockedViolations = (choices: readonly PreferenceChoice[]): PreferenceChoice[] =>
  choices.filter((c) => !c.enabled && isLocked(c.category, c.channel));
