// Child processes of the gateway benchmark (upstream, proxies, nginx, OTLP sink, gateways): output
// goes to a log file in the run's temp directory (no pipe to drain, the tail is read on failure),
// each is stopped with SIGTERM (then SIGKILL) when done, on Ctrl-C / the launcher's SIGTERM
// (bench/lib/cleanup.ts), and, as a last resort, when the bench process exits.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { onInterrupt } from '../lib/cleanup.ts';

const STOP_GRACE_MS = 5_000;
const TAIL_CHARS = 3_000;

export type Child = {
  name: string;
  pid: number;
  running(): boolean;
  logTail(): string;
  /** SIGTERM (or `signal`), SIGKILL after a grace period; resolves once the process is gone. */
  stop(signal?: NodeJS.Signals): Promise<void>;
};

const live = new Set<ChildProcess>();
process.on('exit', () => {
  for (const child of live) child.kill('SIGKILL');
});

export function spawnChild(options: { name: string; command: string; args: string[]; cwd: string; env: NodeJS.ProcessEnv; logFile: string }): Child {
  const fd = openSync(options.logFile, 'a');
  const child = spawn(options.command, options.args, { cwd: options.cwd, env: options.env, stdio: ['ignore', fd, fd] });
  closeSync(fd);
  if (child.pid === undefined) throw new Error(`${options.name}: could not start ${options.command}`);
  live.add(child);
  let running = true;
  const exited = once(child, 'exit').catch(() => undefined);
  void exited.then(() => {
    running = false;
    live.delete(child);
  });
  child.on('error', () => {});

  const logTail = () => {
    try {
      return readFileSync(options.logFile, 'utf8').slice(-TAIL_CHARS);
    } catch {
      return '';
    }
  };
  const stop = async (signal: NodeJS.Signals = 'SIGTERM') => {
    done();
    if (!running) return;
    child.kill(signal);
    const timer = setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS);
    await exited;
    clearTimeout(timer);
  };
  const done = onInterrupt(stop);
  return { name: options.name, pid: child.pid, running: () => running, logTail, stop };
}

/** Polls `url` until it answers `expectStatus` (any status when undefined); fails early if the child died. */
export async function waitForHttp(child: Child, url: string, timeoutMs: number, expectStatus?: number): Promise<void> {
  const started = Date.now();
  for (;;) {
    if (!child.running()) throw new Error(`${child.name} exited before it was ready:\n${child.logTail()}`);
    const status = await fetch(url, { signal: AbortSignal.timeout(2_000) }).then(
      async (res) => {
        await res.arrayBuffer();
        return res.status;
      },
      () => 0,
    );
    if (status !== 0 && (expectStatus === undefined || status === expectStatus)) return;
    if (Date.now() - started > timeoutMs) throw new Error(`${child.name} not ready at ${url} after ${timeoutMs / 1000} s (last status ${status}):\n${child.logTail()}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
