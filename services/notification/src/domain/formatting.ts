// Values as they read in a mail, in the mail's language.

/** "25 Nov 2026, 15:05 CET" in the reader's zone, or "… UTC" when it is unknown or not a valid zone. */
export function formatDateTime(iso: string | Date, locale: string, timeZone?: string | null): string {
  const date = typeof iso === 'string' ? new Date(iso) : iso;
  const format = (zone: string) => {
    const parts = new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeStyle: 'short', timeZone: zone }).format(date);
    const name = new Intl.DateTimeFormat('en', { timeZone: zone, timeZoneName: 'short' }).formatToParts(date).find((p) => p.type === 'timeZoneName')?.value;
    return `${parts} ${zone === 'UTC' ? 'UTC' : name ?? zone}`;
  };
  try {
    return format(timeZone || 'UTC');
  } catch {
    try { return format('UTC'); } catch { return date.toISOString(); }
  }
}

const UNITS = ['B', 'KB', 'MB', 'GB', 'TB'];

export function formatBytes(bytes: number, locale: string): string {
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit++;
  }
  const digits = unit === 0 ? 0 : 1;
  return `${new Intl.NumberFormat(locale, { maximumFractionDigits: digits, minimumFractionDigits: digits }).format(value)} ${UNITS[unit]}`;
}

/** { created: 10, updated: 2 } → "created 10, updated 2"; nothing → "none". */
export const formatCounts = (counts: Record<string, number>): string =>
  Object.entries(counts).map(([k, v]) => `${k} ${v}`).join(', ') || '—';

const UNTIL: Record<string, { until: (d: string) => string; open: string }> = {
  en: { until: (d) => `until ${d}`, open: 'with no end date' },
  de: { until: (d) => `bis ${d}`, open: 'ohne Enddatum' },
};

/** "until 1 Dec 2026, 10:00 UTC" / "with no end date", in the mail's language. */
export function formatUntil(until: string | null, locale: string, timeZone?: string | null): string {
  const words = UNTIL[locale] ?? UNTIL.en!;
  return until ? words.until(formatDateTime(until, locale, timeZone)) : words.open;
}
