import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { escapeHtml, fillTemplate, localeChain, MissingTemplateVariableError } from '../src/domain/template-text.ts';
import { invitationLink, resetPasswordLink, verifyEmailLink } from '../src/domain/links.ts';
import { formatBytes, formatDateTime, formatUntil } from '../src/domain/formatting.ts';
import { loadFileTemplates, TEMPLATES_DIR } from '../src/infra/file-templates.ts';

const templates = loadFileTemplates();

function dirWith(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'notif-templates-'));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

describe('template text', () => {
  it('escapes every value in HTML and keeps it as is in text', () => {
    const vars = { name: `<script>alert("x")</script> & 'co'` };
    expect(fillTemplate('<p>{{name}}</p>', vars, { html: true })).toBe('<p>&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;co&#39;</p>');
    expect(fillTemplate('Hi {{ name }}', vars, { html: false })).toBe(`Hi ${vars.name}`);
    expect(escapeHtml('a"b')).toBe('a&quot;b');
  });

  it('refuses to render a placeholder without a value instead of mailing it', () => {
    expect(() => fillTemplate('Open {{link}}', {}, { html: false })).toThrow(MissingTemplateVariableError);
  });

  it('does not expand placeholders inside values (no template injection)', () => {
    expect(fillTemplate('{{a}} {{b}}', { a: '{{b}}', b: 'B' }, { html: false })).toBe('{{b}} B');
  });

  it('tries the exact locale, then its language, then the default', () => {
    expect(localeChain('de-AT', 'en')).toEqual(['de-at', 'de', 'en']);
    expect(localeChain('de_CH', 'en')).toEqual(['de-ch', 'de', 'en']);
    expect(localeChain('en', 'en')).toEqual(['en']);
    expect(localeChain(null, 'en')).toEqual(['en']);
    expect(localeChain('../../etc/passwd', 'en')).toEqual(['en']);
  });
});

describe('mail templates on disk', () => {
  const files = readdirSync(TEMPLATES_DIR);
  const names = [...new Set(files.filter((f) => !f.startsWith('_')).map((f) => f.split('.')[0]!))];

  it('has an en and a de version of every mail with subject, HTML and text, using the same variables', () => {
    const vars = (f: string) => [...readFileSync(join(TEMPLATES_DIR, f), 'utf8').matchAll(/\{\{\s*(\w+)\s*\}\}/g)].map((m) => m[1]).sort();
    expect(names.length).toBeGreaterThanOrEqual(9);
    for (const name of names) {
      for (const part of ['subject', 'html', 'txt']) {
        expect(files, `${name} en ${part}`).toContain(`${name}.en.${part}`);
        expect(files, `${name} de ${part}`).toContain(`${name}.de.${part}`);
        expect(new Set(vars(`${name}.de.${part}`)), `${name}.${part}`).toEqual(new Set(vars(`${name}.en.${part}`)));
      }
    }
  });

  it('renders the verification mail with the link in both parts and the name escaped in HTML', () => {
    const link = verifyEmailLink('https://app.example', 'tok/+=en');
    const mail = templates.render('email_verification', 'en', { name: 'Ann <Admin>', link, expires_at: 'tomorrow' });
    expect(link).toBe('https://app.example/verify-email?token=tok%2F%2B%3Den');
    expect(mail.locale).toBe('en');
    expect(mail.subject).toBe('Confirm your email address');
    expect(mail.html).toContain(`href="${link}"`);
    expect(mail.html).toContain('Ann &lt;Admin&gt;');
    expect(mail.html).toMatch(/^<!doctype html>/);
    expect(mail.html).toContain('<html lang="en">');
    expect(mail.text).toContain(link);
    expect(mail.text).toContain('Hello Ann <Admin>,');
  });

  it('writes the mail in the user\'s language when there is a translation, else in the default', () => {
    const vars = { name: 'Jo', link: resetPasswordLink('https://app.example', 't'), expires_at: (l: string) => `[${l}]` };
    expect(templates.render('password_reset', 'de-AT', vars)).toMatchObject({ locale: 'de', subject: 'Passwort zurücksetzen' });
    expect(templates.render('password_reset', 'de', vars).text).toContain('[de]');
    expect(templates.render('password_reset', 'fr', vars)).toMatchObject({ locale: 'en', subject: 'Reset your password' });
    expect(templates.render('password_reset', null, vars).text).toContain('[en]');
  });

  it('gives in-app text without the single-use link', () => {
    const link = invitationLink('https://app.example', 'secret-token');
    expect(link).toBe('https://app.example/reset-password?token=secret-token&invite=1');
    const inApp = templates.renderInApp('invitation', 'en', { name: 'Jo', link, expires_at: 'soon' });
    expect(inApp?.title).toBe('You have been invited to the platform');
    expect(JSON.stringify(inApp)).not.toContain('secret-token');
    expect(templates.renderInApp('sync_failed', 'en', {})).toBeNull();
  });

  it('falls back per part set: a locale missing a part is skipped', () => {
    const dir = dirWith({
      'hello.en.subject': 'Hi {{name}}', 'hello.en.html': '<b>{{name}}</b>', 'hello.en.txt': 'Hi {{name}}',
      'hello.fr.subject': 'Salut {{name}}', 'hello.fr.txt': 'Salut {{name}}', // no HTML part
    });
    const t = loadFileTemplates({ dir });
    expect(t.render('hello', 'fr', { name: 'Zoé' })).toMatchObject({ locale: 'en', subject: 'Hi Zoé', html: '<b>Zoé</b>' });
  });

  it('refuses to start with a template that has no complete default-locale version', () => {
    const dir = dirWith({ 'hello.de.subject': 'Hallo', 'hello.de.html': 'x', 'hello.de.txt': 'x' });
    expect(() => loadFileTemplates({ dir })).toThrow(/hello has no complete en version/);
  });
});

describe('values in mails', () => {
  it('formats sizes and ban ends in the mail\'s language', () => {
    expect(formatBytes(512, 'en')).toBe('512 B');
    expect(formatBytes(1_610_612_736, 'en')).toBe('1.5 GB');
    expect(formatBytes(1_610_612_736, 'de')).toBe('1,5 GB');
    expect(formatUntil(null, 'en')).toBe('with no end date');
    expect(formatUntil(null, 'de')).toBe('ohne Enddatum');
    expect(formatUntil('2030-01-02T03:04:00Z', 'en')).toMatch(/^until .*2030.* UTC$/);
  });

  it('writes times in the reader\'s time zone when known, else in UTC', () => {
    expect(formatDateTime('2030-01-02T03:04:00Z', 'en', 'Europe/Berlin')).toMatch(/4:04.*GMT\+1$/);
    expect(formatDateTime('2030-07-02T03:04:00Z', 'de', 'Europe/Berlin')).toMatch(/05:04 GMT\+2$/);
    expect(formatDateTime('2030-01-02T03:04:00Z', 'en', null)).toMatch(/3:04.*UTC$/);
    expect(formatDateTime('2030-01-02T03:04:00Z', 'en', 'Mars/Olympus')).toMatch(/3:04.*UTC$/);
  });
});
