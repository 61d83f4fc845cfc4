// Runs `npm start`'s launcher as a child process, as a developer would, and waits for its banner.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createInterface } from 'node:readline';
import pg from 'pg';
import { serverUrl, withDatabase } from '@platform/shared/testing';

const root = new URL('../..', import.meta.url).pathname;

export type PlatformProcess = {
  output: string[];
  stop(): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
};

async function onServer(sql: string): Promise<void> {
  const c = new pg.Client({ connectionString: withDatabase(serverUrl(), 'postgres') });
  await c.connect();
  try { await c.query(sql); } finally { await c.end(); }
}

/**
 * Starts `node infra/launcher/main.ts start` with env on a database of its own (created here, dropped
 * by stop()), and resolves once its ready banner is complete. The gateway's port is fixed: with
 * another platform already up there, a test would talk to that one, so that refuses to start.
 */
export async function startPlatform(env: Record<string, string>, timeoutMs = 90_000): Promise<PlatformProcess> {
  const gateway = `http://127.0.0.1:${env.GATEWAY_PORT ?? 8000}`;
  const taken = await fetch(`${gateway}/`, { signal: AbortSignal.timeout(2_000) }).then(() => true, () => false);
  if (taken) throw new Error(`something already answers on ${gateway}: stop the running platform first`);
  const dbName = `test_${Date.now().toString(36)}_${randomBytes(4).toString('hex')}`;
  await onServer(`CREATE DATABASE "${dbName}"`);
  const dropDatabase = () => onServer(`DROP DATABASE IF EXISTS "${dbName}" WITH (FORCE)`);
  const child: ChildProcess = spawn(process.execPath, ['infra/launcher/main.ts', 'start'], {
    cwd: root,
    env: { ...process.env, DATABASE_URL: withDatabase(serverUrl(), dbName), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output: string[] = [];
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.on('exit', (code, signal) => resolve({ code, signal }));
  });
  const ready = new Promise<void>((resolve, reject) => {
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
  const stop = async () => {
    child.kill('SIGTERM');
    const result = await exited;
    await dropDatabase();
    return result;
  };
  try {
    await ready;
  } catch (err) {
    await stop();
    throw err;
  }
  return { output, stop };
}
