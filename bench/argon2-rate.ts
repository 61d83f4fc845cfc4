// Raw argon2id rate with the auth service's parameters: the ceiling for logins per second.
import { loadArgon2 } from './lib/deps.ts';
import { runBounded } from './lib/bounded.ts';
import { progress } from './lib/log.ts';
import { round, summarize } from './lib/stats.ts';

export type Argon2Params = { memoryCost: number; timeCost: number; parallelism: number };

const HASHES_PER_WORKER = 50;
const MAX_MS = 20_000;

/**
 * Each timed call is `argon2.verify` of a stored digest: exactly the hash a login computes
 * (the digest carries the parameters, so this is one full argon2id run).
 */
export async function measureArgon2(params: Argon2Params, serviceConcurrency: number) {
  const argon2 = loadArgon2();
  const password = 'bench-Password-2024!';
  const digest = await argon2.hash(password, { type: argon2.argon2id, ...params });
  await argon2.verify(digest, password); // warm-up: first call loads the native addon's pool

  const rateAt = async (concurrency: number) => {
    const cpuBefore = process.cpuUsage();
    const run = await runBounded({ count: HASHES_PER_WORKER * concurrency, concurrency, maxMs: MAX_MS }, async () => {
      if (!(await argon2.verify(digest, password))) throw new Error('argon2 verify returned false');
    });
    if (run.failures) throw new Error(`argon2 failed: ${String(run.firstError)}`);
    const s = summarize(run.latenciesMs, run.elapsedMs);
    const cpu = process.cpuUsage(cpuBefore);
    const cpuMsPerHash = round((cpu.user + cpu.system) / 1000 / s.count, 2);
    progress(`argon2id concurrency ${concurrency}: ${s.per_s} hashes/s (p50 ${s.p50_ms} ms, ${cpuMsPerHash} ms CPU each)`);
    return { concurrency, hashes: s.count, hashes_per_s: s.per_s, p50_ms: s.p50_ms, p99_ms: s.p99_ms, cpu_ms_per_hash: cpuMsPerHash };
  };

  return {
    params: { memory_kib: params.memoryCost, time_cost: params.timeCost, parallelism: params.parallelism },
    libuv_threadpool_size: Number(process.env.UV_THREADPOOL_SIZE ?? 4),
    single: await rateAt(1),
    service_concurrency: await rateAt(serviceConcurrency),
  };
}
