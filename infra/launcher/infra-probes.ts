// The real probes behind resolveInfra: TCP connects, Debian start commands, `docker info`,
// Testcontainers and the creation of the `platform` database.
import { spawn } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { connect } from 'node:net';
import { delimiter, join } from 'node:path';
import pg from 'pg';
import type { InfraProbes, InfraSpec } from './resolve-infra.ts';

const log = (message: string) => console.log(`[infra] ${message}`);

// Debian puts server binaries in sbin, which a non-login PATH may lack.
const searchPath = () => [...(process.env.PATH ?? '').split(delimiter), '/usr/local/sbin', '/usr/sbin', '/sbin'];

const commandExists = (name: string) => searchPath().some((dir) => dir && existsSync(join(dir, name)));

export function portAnswers(port: number, host = '127.0.0.1', timeoutMs = 1_000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

type CommandResult = { code: number | null; output: string };

/** Runs a shell command with a hard timeout; output is kept for error messages. */
export function runCommand(command: string, timeoutMs: number): Promise<CommandResult> {
  return new Promise((resolve) => {
    const child = spawn('sh', ['-c', command], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, PATH: searchPath().join(delimiter) },
    });
    let output = '';
    const keep = (chunk: Buffer) => {
      output = (output + chunk.toString()).slice(-4_000);
    };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    const timer = setTimeout(() => {
      output += `\n(timed out after ${timeoutMs / 1000} s)`;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.on('error', (err) => {
      clearTimeout(timer);
      resolve({ code: null, output: err.message });
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, output: output.trim() });
    });
  });
}

export async function waitForPort(label: string, port: number, timeoutMs: number): Promise<void> {
  const started = Date.now();
  let lastNote = started;
  while (!(await portAnswers(port))) {
    const waited = Date.now() - started;
    if (waited > timeoutMs) throw new Error(`port ${port} did not open within ${Math.round(timeoutMs / 1000)} s`);
    if (Date.now() - lastNote >= 10_000) {
      log(`still waiting for ${label} on 127.0.0.1:${port} (${Math.round(waited / 1000)} s) ...`);
      lastNote = Date.now();
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

function debianInstalled(spec: InfraSpec): boolean {
  switch (spec.kind) {
    case 'postgres':
      return commandExists('pg_ctlcluster') && existsSync('/etc/postgresql') && readdirSync('/etc/postgresql').length > 0;
    case 'redis':
      return commandExists('redis-server');
    case 'rabbitmq':
      return commandExists('rabbitmq-server');
  }
}

async function startDebian(spec: InfraSpec): Promise<void> {
  const { code, output } = await runCommand(spec.debianStart, 60_000);
  if (code !== 0) throw new Error(`exit code ${code}${output ? `: ${output.split('\n').slice(-5).join(' | ')}` : ''}`);
  log(`waiting up to ${spec.startTimeoutMs / 1000} s for ${spec.label} on 127.0.0.1:${spec.port} ...`);
  await waitForPort(spec.label, spec.port, spec.startTimeoutMs);
}

let dockerAnswer: Promise<boolean> | undefined;

/** `docker info` within 5 s; asked once per run. */
function dockerAnswers(): Promise<boolean> {
  dockerAnswer ??= runCommand('docker info', 5_000).then(({ code }) => code === 0);
  return dockerAnswer;
}

async function startContainer(spec: InfraSpec): Promise<{ url: string; stop: () => Promise<void> }> {
  // Loaded only here: most runs never need Docker, and the package is heavy to import.
  const { GenericContainer, Wait } = await import('testcontainers');
  const images: Record<InfraSpec['kind'], () => InstanceType<typeof GenericContainer>> = {
    postgres: () =>
      new GenericContainer('postgres:16')
        .withEnvironment({ POSTGRES_HOST_AUTH_METHOD: 'trust', POSTGRES_DB: 'platform' })
        // The entrypoint restarts the server once after initdb; the second "ready" line is the real one.
        .withWaitStrategy(Wait.forLogMessage(/database system is ready to accept connections/, 2)),
    redis: () => new GenericContainer('redis:7').withWaitStrategy(Wait.forLogMessage('Ready to accept connections')),
    // The official image lets guest log in from outside localhost (loopback_users.guest = false).
    rabbitmq: () => new GenericContainer('rabbitmq:3').withWaitStrategy(Wait.forLogMessage('Server startup complete')),
  };
  const container = await images[spec.kind]().withExposedPorts(spec.port).withStartupTimeout(180_000).start();
  const url = new URL(spec.defaultUrl);
  url.hostname = container.getHost();
  url.port = String(container.getMappedPort(spec.port));
  return {
    url: url.toString().replace(/\/$/, ''),
    stop: async () => {
      await container.stop();
    },
  };
}

const TRANSIENT_PG_CODES = new Set(['57P03', 'ECONNREFUSED', 'ECONNRESET']);

/** Creates the URL's database when missing, retrying while a just-started server still boots. */
async function ensureDatabase(url: string, timeoutMs = 30_000): Promise<void> {
  const target = new URL(url);
  const database = decodeURIComponent(target.pathname.slice(1)) || 'postgres';
  const admin = new URL(url);
  admin.pathname = '/postgres';
  const started = Date.now();
  for (;;) {
    const client = new pg.Client({ connectionString: admin.toString(), connectionTimeoutMillis: 5_000 });
    try {
      await client.connect();
      const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
      if (!rowCount) {
        log(`creating database ${database}`);
        // Identifiers cannot be bound parameters; the name is quoted instead.
        await client.query(`CREATE DATABASE "${database.replaceAll('"', '""')}"`).catch((err: { code?: string }) => {
          if (err.code !== '42P04') throw err; // created meanwhile by a parallel run
        });
      }
      return;
    } catch (err) {
      const code = (err as { code?: string }).code ?? '';
      if (!TRANSIENT_PG_CODES.has(code) || Date.now() - started > timeoutMs) {
        throw new Error(`PostgreSQL at ${target.host}: cannot prepare database ${database}: ${(err as Error).message}`, { cause: err });
      }
      await new Promise((resolve) => setTimeout(resolve, 500));
    } finally {
      await client.end().catch(() => undefined);
    }
  }
}

export function createInfraProbes(env: Record<string, string | undefined> = process.env): InfraProbes {
  return {
    env,
    portAnswers: (port) => portAnswers(port),
    debianInstalled: async (spec) => debianInstalled(spec),
    startDebian,
    dockerAnswers,
    startContainer,
    prepare: async (spec, url) => {
      if (spec.kind === 'postgres') await ensureDatabase(url);
    },
    log,
  };
}
