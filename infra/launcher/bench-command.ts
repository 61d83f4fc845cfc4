// `npm run bench`: a thin hook. Each package measures itself in its own `bench` script; the
// cross-service benchmarks live in bench/run.ts once someone writes it.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { infraEnv, resolveInfra } from './resolve-infra.ts';
import { runStep } from './run-step.ts';

const BENCH_TIMEOUT_MS = 60 * 60_000;

export async function benchCommand(root: string, extra: string[]): Promise<number> {
  const infra = await resolveInfra();
  const env = { ...process.env, ...infraEnv(infra) };
  const options = { cwd: root, env, timeoutMs: BENCH_TIMEOUT_MS };
  try {
    let code = await runStep('bench', 'pnpm', ['-r', '--if-present', 'bench', ...extra], options);
    if (code === 0 && existsSync(join(root, 'bench/run.ts'))) code = await runStep('bench', process.execPath, ['bench/run.ts', ...extra], options);
    return code;
  } finally {
    await infra.stop();
  }
}
