// Runs bench/telemetry-overhead.ts (tracing on vs off, written by its own owner) in a child process:
// its progress lines are shown as they come, and its last line is the JSON result.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';
import { rootDir } from './lib/deps.ts';
import { progress } from './lib/log.ts';

const SCRIPT = 'bench/telemetry-overhead.ts';
const MAX_MS = 10 * 60_000;

export async function runTelemetryOverhead(): Promise<unknown> {
  const root = fileURLToPath(rootDir);
  if (!existsSync(`${root}/${SCRIPT}`)) return { skipped: `${SCRIPT} does not exist yet` };
  progress(`telemetry: running ${SCRIPT}`);
  const child = spawn(process.execPath, [SCRIPT], { cwd: root, env: process.env, stdio: ['ignore', 'pipe', 'inherit'] });
  let last = '';
  createInterface({ input: child.stdout }).on('line', (line) => {
    if (line.startsWith('{')) last = line;
    else progress(line);
  });
  const timer = setTimeout(() => child.kill('SIGTERM'), MAX_MS);
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  clearTimeout(timer);
  if (code !== 0) throw new Error(`${SCRIPT} exited with ${code}`);
  if (!last) throw new Error(`${SCRIPT} printed no JSON line`);
  return JSON.parse(last) as unknown;
}
