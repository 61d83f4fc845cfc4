// Runs bench/telemetry-overhead.ts (tracing on vs off, written by its own owner) in a child process
// and takes the JSON it prints; other lines it prints are shown as progress.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';
import { rootDir } from './lib/deps.ts';
import { progress } from './lib/log.ts';

const SCRIPT = 'bench/telemetry-overhead.ts';
const MAX_MS = 10 * 60_000;

/** The last stdout text that parses as a JSON object: a single line, or the whole output. */
function lastJson(lines: string[]): unknown {
  for (let i = lines.length - 1; i >= 0; i--) {
    const line = lines[i]!.trim();
    if (line.startsWith('{')) {
      try { return JSON.parse(line); } catch { /* not a one-line JSON: try the rest */ }
    }
  }
  const start = lines.findIndex((l) => l.trimStart().startsWith('{'));
  return start >= 0 ? JSON.parse(lines.slice(start).join('\n')) : undefined;
}

export async function runTelemetryOverhead(): Promise<unknown> {
  const root = fileURLToPath(rootDir);
  if (!existsSync(`${root}/${SCRIPT}`)) return { skipped: `${SCRIPT} does not exist yet` };
  progress(`telemetry: running ${SCRIPT}`);
  const child = spawn(process.execPath, [SCRIPT], { cwd: root, env: process.env, stdio: ['ignore', 'pipe', 'inherit'] });
  const lines: string[] = [];
  createInterface({ input: child.stdout }).on('line', (line) => {
    lines.push(line);
    if (!line.trimStart().startsWith('{') && !line.trimStart().startsWith('"') && line.trim() !== '}') console.log(`  ${line}`);
  });
  const timer = setTimeout(() => child.kill('SIGTERM'), MAX_MS);
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  clearTimeout(timer);
  if (code !== 0) throw new Error(`${SCRIPT} exited with ${code}`);
  const result = lastJson(lines);
  if (result === undefined) throw new Error(`${SCRIPT} printed no JSON`);
  return result;
}
