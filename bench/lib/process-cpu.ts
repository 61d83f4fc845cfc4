// CPU time of another process from /proc on Linux: the whole process (argon2's pool threads
// included) and its main thread, where the event loop runs.
import { readFileSync } from 'node:fs';

// USER_HZ: the unit of utime/stime in /proc/<pid>/stat; 100 on every mainstream Linux build.
const TICK_MS = 10;

function statCpuMs(path: string): number {
  const stat = readFileSync(path, 'utf8');
  // Fields after the command name, which is in parentheses and may contain spaces.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) * TICK_MS;
}

export type ProcessCpu = { totalMs: number; mainThreadMs: number };

/** User + system CPU milliseconds used so far by `pid`, or null where /proc is not available. */
export function processCpu(pid: number | undefined): ProcessCpu | null {
  if (pid === undefined) return null;
  try {
    return { totalMs: statCpuMs(`/proc/${pid}/stat`), mainThreadMs: statCpuMs(`/proc/${pid}/task/${pid}/stat`) };
  } catch {
    return null;
  }
}
