import { describe, expect, it } from 'vitest';
import { CATEGORIES, CHANNELS } from '../src/domain/categories.ts';
import { defaultMatrix, effectivePreferences, isEnabled, isLocked, lockedViolations } from '../src/domain/preferences.ts';

describe('notification preferences', () => {
  it('has every category and channel enabled until the user chooses', () => {
    const matrix = defaultMatrix();
    for (const c of CATEGORIES) for (const ch of CHANNELS) expect(matrix[c][ch]).toBe(true);
  });

  it('applies stored choices over the defaults', () => {
    const prefs = effectivePreferences([{ category: 'files', channel: 'email', enabled: false }]);
    expect(prefs.files.email).toBe(false);
    expect(prefs.files.in_app).toBe(true);
    expect(prefs.product.email).toBe(true);
  });

  it('locks security email only', () => {
    expect(isLocked('security', 'email')).toBe(true);
    expect(isLocked('security', 'in_app')).toBe(false);
    expect(isLocked('account', 'email')).toBe(false);
  });

  it('keeps security email on even if a stored choice says off', () => {
    expect(isEnabled([{ category: 'security', channel: 'email', enabled: false }], 'security', 'email')).toBe(true);
    expect(isEnabled([{ category: 'security', channel: 'in_app', enabled: false }], 'security', 'in_app')).toBe(false);
  });

  it('names the choices that try to turn security email off', () => {
    expect(lockedViolations([
      { category: 'security', channel: 'email', enabled: false },
      { category: 'security', channel: 'email', enabled: true },
      { category: 'files', channel: 'email', enabled: false },
    ])).toEqual([{ category: 'security', channel: 'email', enabled: false }]);
  });
});
