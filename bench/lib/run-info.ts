// What every results file records about its run: the commit, uncommitted changes in the measured
// code (the commit alone would not say what ran), and the machine.
import { execFileSync } from 'node:child_process';
import { availableParallelism, cpus, loadavg, totalmem } from 'node:os';
import { fileURLToPath } from 'node:url';
import { rootDir } from './deps.ts';
import { round } from './stats.ts';

const root = fileURLToPath(rootDir);
const git = (args: string[]) => execFileSync('git', args, { cwd: root, encoding: 'utf8' });

export function gitCommit(): string | null {
  try { return git(['rev-parse', '--short', 'HEAD']).trim(); } catch { return null; }
}

/** Files under `paths` (relative to the repository) with uncommitted changes; null without git. */
export function uncommittedIn(paths: string[]): string[] | null {
  try {
    return git(['status', '--porcelain', '--', ...paths]).split('\n').filter(Boolean).map((line) => line.slice(3));
  } catch {
    return null;
  }
}

export const loadAverage1m = (): number => round(loadavg()[0] ?? 0, 2);

export function machineInfo(loadAtStart: number) {
  return {
    cpus: availableParallelism(),
    cpu_model: cpus()[0]?.model ?? null,
    memory_gib: round(totalmem() / 2 ** 30, 1),
    node: process.version,
    load_avg_1m_at_start: loadAtStart,
    load_avg_1m_at_end: loadAverage1m(),
  };
}
