import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { fillTemplate, localeChain } from '../domain/template-text.ts';
import type { TemplateRenderer, TemplateVars } from '../usecases/ports.ts';

export const TEMPLATES_DIR = fileURLToPath(new URL('../../templates', import.meta.url));

type Parts = { subject?: string; html?: string; txt?: string; inapp?: string };

const FILE = /^([a-z][a-z0-9_]*)\.([a-z]{2,3}(?:-[a-z0-9]{2,8})*)\.(subject|html|txt|inapp)$/;

/**
 * Templates from files named <name>.<locale>.subject / .html / .txt, read once at start, plus an
 * optional .inapp (one line for the in-app notification, whose title is the subject; it never holds
 * the mail's single-use link). The HTML part is put in _layout.<locale>.html at <!--content-->. A
 * locale is used only when all three mail parts exist for it; otherwise the next of the chain.
 */
export function loadFileTemplates({ dir = TEMPLATES_DIR, defaultLocale = 'en' }: { dir?: string; defaultLocale?: string } = {}): TemplateRenderer {
  const templates = new Map<string, Map<string, Parts>>();
  const layouts = new Map<string, string>();
  for (const file of readdirSync(dir)) {
    const layout = /^_layout\.([a-z-]+)\.html$/.exec(file);
    if (layout) {
      layouts.set(layout[1]!, readFileSync(join(dir, file), 'utf8'));
      continue;
    }
    const m = FILE.exec(file);
    if (!m) continue;
    const [, name, locale, part] = m as unknown as [string, string, string, keyof Parts];
    const byLocale = templates.get(name) ?? new Map<string, Parts>();
    templates.set(name, byLocale);
    const parts = byLocale.get(locale) ?? {};
    parts[part] = readFileSync(join(dir, file), 'utf8');
    byLocale.set(locale, parts);
  }
  for (const [name, byLocale] of templates) {
    const parts = byLocale.get(defaultLocale);
    if (!parts?.subject || !parts.html || !parts.txt) throw new Error(`template ${name} has no complete ${defaultLocale} version (subject, html, txt)`);
  }

  const pick = (name: string, locale: string | null, complete: (p: Parts) => boolean) => {
    const byLocale = templates.get(name);
    if (!byLocale) throw new Error(`no mail template named ${name}`);
    const chosen = localeChain(locale, defaultLocale).find((l) => complete(byLocale.get(l) ?? {}));
    return chosen ? { chosen, parts: byLocale.get(chosen)! } : null;
  };
  // Values may depend on the language the text is written in (dates, "no end date").
  const resolve = (input: TemplateVars, locale: string) =>
    Object.fromEntries(Object.entries(input).map(([k, v]) => [k, typeof v === 'function' ? v(locale) : v]));
  const oneLine = (s: string) => s.trim().replace(/\s+/g, ' ');

  return {
    has: (name) => templates.has(name),
    render(name, locale, input) {
      const { chosen, parts } = pick(name, locale, (p) => Boolean(p.subject && p.html && p.txt))!;
      const vars = resolve(input, chosen);
      const subject = oneLine(fillTemplate(parts.subject!, vars, { html: false }));
      const body = fillTemplate(parts.html!, vars, { html: true });
      const layout = layouts.get(chosen) ?? layouts.get(defaultLocale);
      const html = layout
        ? fillTemplate(layout, { subject, lang: chosen }, { html: true }).replace('<!--content-->', () => body)
        : body;
      return { subject, html, text: fillTemplate(parts.txt!, vars, { html: false }), locale: chosen };
    },
    renderInApp(name, locale, input) {
      const found = pick(name, locale, (p) => Boolean(p.subject && p.inapp));
      if (!found) return null;
      const vars = resolve(input, found.chosen);
      return {
        title: oneLine(fillTemplate(found.parts.subject!, vars, { html: false })),
        body: oneLine(fillTemplate(found.parts.inapp!, vars, { html: false })),
        locale: found.chosen,
      };
    },
  };
}
