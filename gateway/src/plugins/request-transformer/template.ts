// request-transformer's "template as value": Kong renders `$(expression)` with Penlight templates
// and evaluates the expression as sandboxed Lua. This gateway evaluates no code; it compiles, at
// load, the lookups Kong documents and refuses every other expression by name:
//   $(uri_captures.name)  $(uri_captures["name"])  $(uri_captures[1])   regex groups of the route path
//   $(headers.x_name)     $(headers["X-Name"])                          the client's request headers
//   $(query_params.name)  $(query_params["name"])                       the client's query arguments
//   $("literal")          $('$(escaped)')                               a quoted string, Kong's escape
// A missing value renders as '' (Penlight's `tostring(expr or '')`); a repeated header or argument
// renders its values joined with ", " (Kong would print a Lua table address).

export type TemplateSource = 'uri_captures' | 'headers' | 'query_params';
type Piece = string | { from: TemplateSource; key: string };

export type Template = {
  /** Set when the text has no `$(...)`: rendering is just this string. */
  readonly constant: string | undefined;
  readonly pieces: readonly Piece[];
  readonly uses: ReadonlySet<TemplateSource>;
};

/** What a template reads, built lazily per request. */
export type TemplateValues = { [K in TemplateSource]: (key: string) => string | undefined };

export const SUPPORTED_TEMPLATES = '$(uri_captures.<name>), $(headers.<name>), $(query_params.<name>) or a quoted string';

const LOOKUP = /^(uri_captures|headers|query_params)\s*(?:\.\s*([A-Za-z_][A-Za-z0-9_]*)|\[\s*(?:"([^"]*)"|'([^']*)'|(\d+))\s*\])$/;
const LITERAL = /^(?:"([^"]*)"|'([^']*)')$/;

/** Index just past the `)` that balances the `(` at `open` (Lua's %b()), or -1. */
function closingParen(text: string, open: number): number {
  let depth = 0;
  for (let i = open; i < text.length; i++) {
    if (text[i] === '(') depth += 1;
    else if (text[i] === ')' && --depth === 0) return i + 1;
  }
  return -1;
}

function compileExpression(expression: string): Piece {
  const literal = LITERAL.exec(expression);
  if (literal) return literal[1] ?? literal[2] ?? '';
  const lookup = LOOKUP.exec(expression);
  if (!lookup) throw new Error(`template '$(${expression})' is not supported by this gateway (only ${SUPPORTED_TEMPLATES})`);
  const from = lookup[1] as TemplateSource;
  const key = lookup[2] ?? lookup[3] ?? lookup[4] ?? lookup[5] ?? '';
  return { from, key };
}

/** Throws an Error whose message names the unsupported expression. */
export function compileTemplate(text: string): Template {
  const pieces: Piece[] = [];
  const uses = new Set<TemplateSource>();
  let from = 0;
  for (let at = text.indexOf('$(', from); at !== -1; at = text.indexOf('$(', from)) {
    const end = closingParen(text, at + 1);
    if (end === -1) break; // unbalanced: Penlight leaves it as text
    if (at > from) pieces.push(text.slice(from, at));
    const piece = compileExpression(text.slice(at + 2, end - 1).trim());
    if (typeof piece !== 'string') uses.add(piece.from);
    pieces.push(piece);
    from = end;
  }
  if (from < text.length) pieces.push(text.slice(from));
  const constant = uses.size === 0 ? pieces.join('') : undefined;
  return { constant, pieces, uses };
}

export function renderTemplate(template: Template, values: TemplateValues | undefined): string {
  if (template.constant !== undefined) return template.constant;
  let out = '';
  for (const piece of template.pieces) out += typeof piece === 'string' ? piece : (values?.[piece.from](piece.key) ?? '');
  return out;
}
