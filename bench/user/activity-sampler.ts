// Where the time of a scenario goes inside Postgres: while the load runs, the benchmark database's
// active statements are read from pg_stat_activity every few milliseconds; a statement seen in
// many samples is one the requests wait for. (The texts carry $n parameters, no values.) Summed
// over time, the samples also estimate the database time per request: Σ (statements running ×
// time since the previous sample) over the requests served meanwhile.
import pg from 'pg';

const EVERY_MS = 10;
const TOP = 3;

export type ActivitySample = { samples: number; busy_share: number; backend_ms: number; top: { share: number; query: string }[] };

export function sampleActivity(databaseUrl: string, databaseName: string) {
  const client = new pg.Client({ connectionString: databaseUrl, application_name: 'bench-sampler' });
  const seen = new Map<string, number>();
  let samples = 0;
  let busy = 0;
  let backendMs = 0;
  let stopped = false;
  const loop = (async () => {
    await client.connect();
    let last = performance.now();
    while (!stopped) {
      const { rows } = await client.query<{ query: string }>(
        `SELECT query FROM pg_stat_activity
          WHERE datname = $1 AND state = 'active' AND pid <> pg_backend_pid() AND backend_type = 'client backend'`, [databaseName]);
      const now = performance.now();
      samples++;
      if (rows.length) busy++;
      backendMs += rows.length * (now - last);
      last = now;
      for (const { query } of rows) {
        // The column list says nothing about the cost: kept short so the WHERE and ORDER BY stay readable.
        const text = query.replace(/\s+/g, ' ').trim().replace(/^SELECT (?:(?!\bFROM\b).){80,}?\bFROM\b/i, 'SELECT … FROM');
        seen.set(text, (seen.get(text) ?? 0) + 1);
      }
      await new Promise((r) => setTimeout(r, EVERY_MS));
    }
  })();
  // A failing sample loop (the database went away) is reported by stop(), never as an unhandled rejection.
  loop.catch(() => {});
  return {
    async stop(): Promise<ActivitySample> {
      stopped = true;
      await loop.finally(() => client.end());
      const top = [...seen.entries()].sort((a, b) => b[1] - a[1]).slice(0, TOP)
        .map(([query, n]) => ({ share: Math.round((n / Math.max(1, samples)) * 100) / 100, query: query.slice(0, 400) }));
      return { samples, busy_share: Math.round((busy / Math.max(1, samples)) * 100) / 100, backend_ms: Math.round(backendMs), top };
    },
  };
}
