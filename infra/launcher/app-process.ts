// One child process of `npm start`: its output prefixed line by line, its readiness, its stop.
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { styleText } from 'node:util';
import type { LaunchedApp } from './dev-env.ts';

const COLORS = ['cyan', 'magenta', 'yellow', 'green', 'blue', 'red'] as const;
const KEEP_LINES = 40;

/** `[auth]        ` padded to the longest name so JSON log lines start in one column. */
export function prefixFor(name: string, width: number): string {
  return `[${name}]`.padEnd(width + 2);
}

/**
 * `exec` makes a simple start command the child itself, so its exit is the app's exit (not the
 * shell's, which dies on SIGTERM at once); compound scripts run as written.
 */
export const shellLine = (script: string) => (/[;&|]/.test(script) ? script : `exec ${script}`);

export type RunningApp = {
  app: LaunchedApp;
  child: ChildProcess;
  /** The last lines it printed, for the error message when it fails. */
  lastLines(): string[];
  /** Resolves with the exit code (or signal name) once the process has gone. */
  exited: Promise<number | string>;
  stop(graceMs: number): Promise<void>;
};

export function startApp(app: LaunchedApp, { root, index, width }: { root: string; index: number; width: number }): RunningApp {
  // A process group of its own: the launcher decides when children stop (a terminal's Ctrl-C
  // reaches only the launcher), and a kill reaches whatever the start script spawned.
  const child = spawn('sh', ['-c', shellLine(app.startScript)], {
    cwd: `${root}/${app.dir}`,
    env: app.env,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const prefix = styleText(COLORS[index % COLORS.length] ?? 'cyan', prefixFor(app.name, width));
  const recent: string[] = [];
  for (const stream of [child.stdout, child.stderr]) {
    createInterface({ input: stream }).on('line', (line) => {
      recent.push(line);
      if (recent.length > KEEP_LINES) recent.shift();
      process.stdout.write(`${prefix} ${line}\n`);
    });
  }
  const exited = new Promise<number | string>((resolve) => {
    child.on('exit', (code, signal) => resolve(code ?? signal ?? 'unknown'));
    child.on('error', (err) => {
      recent.push(`(could not start: ${err.message})`);
      resolve('spawn error');
    });
  });

  const signalGroup = (signal: NodeJS.Signals) => {
    try {
      if (child.pid) process.kill(-child.pid, signal);
    } catch {
      // already gone
    }
  };

  async function stop(graceMs: number) {
    if (child.exitCode !== null || child.signalCode !== null) return;
    signalGroup('SIGTERM');
    const timer = setTimeout(() => {
      console.log(`[start] ${app.name} did not stop within ${graceMs / 1000} s; killing it`);
      signalGroup('SIGKILL');
    }, graceMs);
    await exited;
    clearTimeout(timer);
  }

  return { app, child, lastLines: () => [...recent], exited, stop };
}

/**
 * Polls readyUrl until it answers 200. Fails early when the process exits, and after timeoutMs
 * with the last status seen; prints a line every 10 s so a slow start never looks like a hang.
 */
export async function waitUntilReady(running: RunningApp, timeoutMs: number): Promise<void> {
  const { app } = running;
  const started = Date.now();
  let lastNote = started;
  let lastSeen: string;
  let gone: number | string | undefined;
  void running.exited.then((code) => {
    gone = code;
  });
  for (;;) {
    if (gone !== undefined) throw new Error(`${app.name} exited (${gone}) before it was ready`);
    try {
      const res = await fetch(app.readyUrl, { signal: AbortSignal.timeout(2_000) });
      if (res.status === 200) return;
      lastSeen = `HTTP ${res.status}: ${(await res.text()).slice(0, 300)}`;
    } catch (err) {
      lastSeen = (err as Error).message;
    }
    const waited = Date.now() - started;
    if (waited > timeoutMs) throw new Error(`${app.name} was not ready within ${timeoutMs / 1000} s (${app.readyUrl}: ${lastSeen})`);
    if (Date.now() - lastNote >= 10_000) {
      console.log(`[start] still waiting for ${app.name} (${Math.round(waited / 1000)} s): ${lastSeen}`);
      lastNote = Date.now();
    }
    await new Promise((resolve) => setTimeout(resolve, 300));
  }
}
