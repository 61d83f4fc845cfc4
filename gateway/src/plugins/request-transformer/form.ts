// application/x-www-form-urlencoded as OpenResty's ngx.decode_args / ngx.encode_args see it:
// a repeated name becomes a list, a name without "=" is the boolean true.

export type FormValue = string | true;
export type Form = Map<string, FormValue | FormValue[]>;

function unescape(text: string): string {
  // Each run of %XX escapes is decoded on its own, so one invalid sequence stays as written (as nginx keeps it).
  return text.replaceAll('+', ' ').replace(/(?:%[0-9A-Fa-f]{2})+/g, (run) => {
    try {
      return decodeURIComponent(run);
    } catch {
      return run;
    }
  });
}

export function decodeForm(text: string): Form {
  const form: Form = new Map();
  for (const part of text.split('&')) {
    if (part === '') continue;
    const eq = part.indexOf('=');
    const name = unescape(eq === -1 ? part : part.slice(0, eq));
    if (name === '') continue;
    const value: FormValue = eq === -1 ? true : unescape(part.slice(eq + 1));
    const previous = form.get(name);
    if (previous === undefined) form.set(name, value);
    else if (Array.isArray(previous)) previous.push(value);
    else form.set(name, [previous, value]);
  }
  return form;
}

export function encodeForm(form: Form): string {
  const parts: string[] = [];
  for (const [name, value] of form) {
    for (const one of Array.isArray(value) ? value : [value]) {
      parts.push(one === true ? encodeURIComponent(name) : `${encodeURIComponent(name)}=${encodeURIComponent(one)}`);
    }
  }
  return parts.join('&');
}
