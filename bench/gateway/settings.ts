// How long and how hard the gateway benchmark runs, from the environment. BENCH_GATEWAY_QUICK=1
// shrinks everything for a smoke run; each value can also be set on its own.
export type GatewayBenchSettings = {
  quick: boolean;
  /** Seconds of load per measured scenario, after `warmupS` seconds of unmeasured load. */
  durationS: number;
  warmupS: number;
  /** Concurrent keep-alive client connections (autocannon `connections`). */
  connections: number;
  /** Each scenario is measured this many times, the scenarios interleaved, against drift on a shared machine. */
  rounds: number;
  /** Length of the RSS soak of scenario (c); RSS sampled every `rssEveryS` seconds. */
  soakS: number;
  rssEveryS: number;
  /** CPU profile of the gateway in scenario (a): when a target is missed (auto), always or never. */
  profile: 'auto' | 'always' | 'never';
  /** May the bench `apt-get install nginx-light` when nginx is missing (root only)? */
  installNginx: boolean;
};

function num(name: string, fallback: number, min: number, max: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < min || value > max) throw new Error(`${name}=${raw}: expected a number from ${min} to ${max}`);
  return value;
}

export function gatewayBenchSettings(): GatewayBenchSettings {
  const quick = ['1', 'true', 'yes'].includes((process.env.BENCH_GATEWAY_QUICK ?? '').toLowerCase());
  const profile = process.env.BENCH_GATEWAY_PROFILE ?? 'auto';
  if (profile !== 'auto' && profile !== 'always' && profile !== 'never') throw new Error(`BENCH_GATEWAY_PROFILE=${profile}: expected auto, always or never`);
  return {
    quick,
    durationS: num('BENCH_GATEWAY_DURATION_S', quick ? 3 : 10, 1, 300),
    warmupS: num('BENCH_GATEWAY_WARMUP_S', quick ? 1 : 2, 0, 60),
    connections: num('BENCH_GATEWAY_CONNECTIONS', 50, 1, 1_000),
    rounds: num('BENCH_GATEWAY_ROUNDS', quick ? 1 : 3, 1, 10),
    soakS: num('BENCH_GATEWAY_SOAK_S', quick ? 10 : 60, 5, 1_800),
    rssEveryS: num('BENCH_GATEWAY_RSS_EVERY_S', 5, 1, 60),
    profile,
    installNginx: !['0', 'false', 'no'].includes((process.env.BENCH_GATEWAY_INSTALL_NGINX ?? '').toLowerCase()),
  };
}
