// {{name}} placeholders in mail templates. HTML parts escape every value; text parts and subjects
// take it as is (a subject is a header, nodemailer encodes it). A placeholder without a value is a
// bug in the code that renders the template, so it throws instead of mailing "{{link}}".

const PLACEHOLDER = /\{\{\s*([a-z][a-z0-9_]*)\s*\}\}/gi;

const HTML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export const escapeHtml = (value: string): string => value.replace(/[&<>"']/g, (ch) => HTML_ESCAPES[ch]!);

export class MissingTemplateVariableError extends Error {
  override readonly name = 'MissingTemplateVariableError';
}

export function fillTemplate(source: string, vars: Readonly<Record<string, string>>, { html }: { html: boolean }): string {
  return source.replace(PLACEHOLDER, (_all, name: string) => {
    const value = vars[name];
    if (value === undefined) throw new MissingTemplateVariableError(`template variable "${name}" has no value`);
    return html ? escapeHtml(value) : value;
  });
}

/** Candidate locales for a user's locale, most specific first: de-AT → de-at, de, then the default. */
export function localeChain(locale: string | null | undefined, fallback: string): string[] {
  const chain: string[] = [];
  const wanted = (locale ?? '').trim().toLowerCase().replace('_', '-');
  if (/^[a-z]{2,3}(-[a-z0-9]{2,8})*$/.test(wanted)) {
    chain.push(wanted);
    const primary = wanted.split('-')[0]!;
    if (primary !== wanted) chain.push(primary);
  }
  if (!chain.includes(fallback)) chain.push(fallback);
  return chain;
}
