// Runs one command of `npm test` / `npm run bench` in the foreground, with a hard time limit.
import { spawn, type ChildProcess } from 'node:child_process';

let current: ChildProcess | undefined;
let signalsForwarded = false;

// Ctrl-C from a terminal already reaches the step; a SIGTERM sent to the launcher alone is passed on.
// Between steps there is nothing to wait for (Testcontainers' reaper removes its containers).
function forwardSignals() {
  if (signalsForwarded) return;
  signalsForwarded = true;
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => {
      process.exitCode = 130;
      if (current) current.kill(signal);
      else process.exit(130);
    });
  }
}

export function runStep(
  label: string,
  command: string,
  args: string[],
  { cwd, env, timeoutMs }: { cwd: string; env: NodeJS.ProcessEnv; timeoutMs: number },
): Promise<number> {
  forwardSignals();
  console.log(`\n[${label}] ${[command, ...args].join(' ')}`);
  return new Promise((resolve) => {
    const child = spawn(command, args, { cwd, env, stdio: ['ignore', 'inherit', 'inherit'] });
    current = child;
    const timer = setTimeout(() => {
      console.error(`[${label}] still running after ${timeoutMs / 60_000} min; stopping it`);
      child.kill('SIGTERM');
      setTimeout(() => child.kill('SIGKILL'), 10_000).unref();
    }, timeoutMs);
    child.on('error', (err) => {
      clearTimeout(timer);
      console.error(`[${label}] could not run ${command}: ${err.message}`);
      resolve(127);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      current = undefined;
      resolve(code ?? 1);
    });
  });
}
