import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { commonEnv, envBoolean, loadConfig } from '../src/config/index.ts';

const schema = commonEnv.extend({
  PORT: z.coerce.number().int().min(1).max(65535).default(3000),
  JWT_SECRET_KEY: z.string().min(10),
  FEATURE: envBoolean.default(false),
});

describe('loadConfig', () => {
  it('applies defaults and coerces values', () => {
    const config = loadConfig(schema, { JWT_SECRET_KEY: '0123456789', FEATURE: 'yes' });
    expect(config).toMatchObject({ PORT: 3000, FEATURE: true, LOG_LEVEL: 'info', EVENTS_EXCHANGE: 'platform.events' });
  });

  it('names every bad variable at once and hides values that look secret', () => {
    const bad = () => loadConfig(schema, { PORT: 'eighty', JWT_SECRET_KEY: 'short', LOG_LEVEL: 'loud', DATABASE_URL: 'mysql://x' });
    expect(bad).toThrow(/Invalid configuration/);
    const message = (() => { try { bad(); } catch (e) { return (e as Error).message; } return ''; })();
    expect(message).toContain('PORT="eighty"');
    expect(message).toContain('LOG_LEVEL="loud"');
    expect(message).toContain('JWT_SECRET_KEY=(hidden)');
    expect(message).toContain('DATABASE_URL=(hidden)');
    expect(message).not.toContain('short');
    expect(message).not.toContain('mysql');
  });

  it('says when a required variable is unset', () => {
    expect(() => loadConfig(schema, {})).toThrow(/JWT_SECRET_KEY=\(unset\)/);
  });

  it('refuses a boolean it cannot read instead of treating it as false', () => {
    expect(() => loadConfig(schema, { JWT_SECRET_KEY: '0123456789', FEATURE: 'maybe' })).toThrow(/FEATURE="maybe": must be true or false/);
  });
});
