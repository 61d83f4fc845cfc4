// How big and how long the user benchmark runs. Defaults are the issue's: 1 000 000 users against
// 1 000 side by side. BENCH_USER_QUICK=1 is a short smoke run (50 000 rows, short loads) for
// checking the harness; BENCH_USER_ROWS / _DURATION_S / _CONNECTIONS / _ROUNDS override one value.

export type UserBenchSettings = {
  quick: boolean;
  /** Rows of the big database. */
  bigRows: number;
  /** Rows of the small database it is compared with. */
  smallRows: number;
  /** Seconds of measured load per scenario and database (after the warm-up). */
  durationS: number;
  warmupS: number;
  /** Keep-alive connections, one request in flight on each. */
  connections: number;
  /** Interleaved rounds; medians over them are reported, ratios from the pairs of each round. */
  rounds: number;
  /** Offset of the deep-page scenario, as a share of the rows. */
  deepPageShare: number;
};

const int = (name: string, fallback: number, min: number, max: number): number => {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max) throw new Error(`${name} must be an integer in [${min}, ${max}], got ${raw}`);
  return n;
};

export function userBenchSettings(env: NodeJS.ProcessEnv = process.env): UserBenchSettings {
  const quick = env.BENCH_USER_QUICK === '1' || env.BENCH_USER_QUICK === 'true';
  return {
    quick,
    bigRows: int('BENCH_USER_ROWS', quick ? 50_000 : 1_000_000, 2_000, 5_000_000),
    smallRows: 1_000,
    durationS: int('BENCH_USER_DURATION_S', quick ? 2 : 3, 1, 120),
    warmupS: 1,
    connections: int('BENCH_USER_CONNECTIONS', 4, 1, 64),
    rounds: int('BENCH_USER_ROUNDS', quick ? 1 : 6, 1, 9),
    deepPageShare: 0.5,
  };
}
