// Runs `npm start`'s launcher as a child process, as a developer would, and waits for its banner.
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';

const root = new URL('../..', import.meta.url).pathname;

export type PlatformProcess = {
  output: string[];
  stop(): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
};

/** Starts `node infra/launcher/main.ts start` with env, resolves once its ready banner is complete. */
export async function startPlatform(env: Record<string, string>, timeoutMs = 90_000): Promise<PlatformProcess> {
  const child: ChildProcess = spawn(process.execPath, ['infra/launcher/main.ts', 'start'], {
    cwd: root,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output: string[] = [];
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.on('exit', (code, signal) => resolve({ code, signal }));
  });
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`platform not ready in ${timeoutMs} ms:\n${output.slice(-30).join('\n')}`)), timeoutMs);
    for (const stream of [child.stdout, child.stderr]) {
      if (!stream) continue;
      createInterface({ input: stream }).on('line', (line) => {
        output.push(line);
        if (line.includes('Ctrl-C stops everything')) { clearTimeout(timer); resolve(); }
      });
    }
    void exited.then(({ code }) => { clearTimeout(timer); reject(new Error(`launcher exited (${code}):\n${output.slice(-30).join('\n')}`)); });
  });
  return {
    output,
    async stop() {
      child.kill('SIGTERM');
      return exited;
    },
  };
}
