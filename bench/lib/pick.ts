/** Reads a nested value by dotted path from results whose parts may be `{ error }` instead. */
export function pick(value: unknown, path: string): unknown {
  let cur = value;
  for (const key of path.split('.')) cur = cur && typeof cur === 'object' ? (cur as Record<string, unknown>)[key] : undefined;
  return cur;
}

export const pickNumber = (value: unknown, path: string): number | undefined => {
  const v = pick(value, path);
  return typeof v === 'number' ? v : undefined;
};
