// The launcher's decisions, without starting anything: infra resolution order (probes injected),
// process environments, start order, the test summary line and workspace discovery.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { isAbsolute, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { prefixFor, shellLine } from '../launcher/app-process.ts';
import { DEV_ADMIN, planApp } from '../launcher/dev-env.ts';
import { INFRA, resolveInfra, resolveOne, type InfraProbes, type InfraSpec, type InfraUrls } from '../launcher/resolve-infra.ts';
import { readyBanner, startPhases } from '../launcher/start-command.ts';
import { vitestArgs } from '../launcher/test-command.ts';
import { summaryLine, tallyReport, type VitestJsonReport } from '../launcher/test-summary.ts';
import { discoverApps, type App } from '../launcher/workspace.ts';

const postgres = INFRA.find((spec) => spec.kind === 'postgres') as InfraSpec;

type Situation = {
  env?: Record<string, string>;
  listening?: number[];
  installed?: InfraSpec['kind'][];
  debianStartFails?: boolean;
  docker?: boolean;
};

/** Probes for a described machine; `calls` records what the resolver did, in order. */
function machine(situation: Situation) {
  const calls: string[] = [];
  const listening = new Set(situation.listening ?? []);
  const probes: InfraProbes = {
    env: situation.env ?? {},
    portAnswers: async (port) => {
      calls.push(`probe ${port}`);
      return listening.has(port);
    },
    debianInstalled: async (spec) => (situation.installed ?? []).includes(spec.kind),
    startDebian: async (spec) => {
      calls.push(`debian ${spec.kind}`);
      if (situation.debianStartFails) throw new Error('pg_ctlcluster: permission denied');
      listening.add(spec.port);
    },
    dockerAnswers: async () => situation.docker ?? false,
    startContainer: async (spec) => {
      calls.push(`container ${spec.kind}`);
      return { url: `${spec.kind}://container`, stop: async () => void calls.push(`stop ${spec.kind}`) };
    },
    prepare: async (spec) => void calls.push(`prepare ${spec.kind}`),
    log: () => undefined,
  };
  return { probes, calls };
}

describe('resolveOne', () => {
  it('takes the env URL first and touches nothing else', async () => {
    const { probes, calls } = machine({ env: { DATABASE_URL: 'postgres://db.example/x' }, listening: [5432], docker: true });
    expect(await resolveOne(postgres, probes)).toEqual({ url: 'postgres://db.example/x', via: 'env' });
    expect(calls).toEqual([]);
  });

  it('uses a server already answering on the default port and prepares it (creates the database)', async () => {
    const { probes, calls } = machine({ listening: [5432], installed: ['postgres'], docker: true });
    expect(await resolveOne(postgres, probes)).toEqual({ url: 'postgres://postgres@127.0.0.1:5432/platform', via: 'local' });
    expect(calls).toEqual(['probe 5432', 'prepare postgres']);
  });

  it('starts the installed Debian server when nothing answers, before trying Docker', async () => {
    const { probes, calls } = machine({ installed: ['postgres'], docker: true });
    expect(await resolveOne(postgres, probes)).toMatchObject({ via: 'debian', url: postgres.defaultUrl });
    expect(calls).toEqual(['probe 5432', 'debian postgres', 'prepare postgres']);
  });

  it('falls back to Testcontainers when the installed server does not start', async () => {
    const { probes, calls } = machine({ installed: ['postgres'], debianStartFails: true, docker: true });
    expect(await resolveOne(postgres, probes)).toMatchObject({ via: 'container', url: 'postgres://container' });
    expect(calls).toEqual(['probe 5432', 'debian postgres', 'container postgres']);
  });

  it('uses Testcontainers when nothing is installed and Docker answers', async () => {
    const { probes, calls } = machine({ docker: true });
    expect(await resolveOne(postgres, probes)).toMatchObject({ via: 'container' });
    expect(calls).toEqual(['probe 5432', 'container postgres']);
  });

  it('stops with a message naming the env variable, the package to install and Docker', async () => {
    const { probes } = machine({ installed: ['postgres'], debianStartFails: true });
    const error = await resolveOne(postgres, probes).catch((err: Error) => err);
    expect(error).toBeInstanceOf(Error);
    const message = (error as Error).message;
    expect(message).toContain('PostgreSQL is not available');
    expect(message).toContain('pg_ctlcluster: permission denied');
    expect(message).toContain('DATABASE_URL=');
    expect(message).toContain('apt-get install postgresql');
    expect(message).toContain('Docker');
  });
});

describe('resolveInfra', () => {
  it('resolves Postgres, Redis and RabbitMQ in that order', async () => {
    const { probes, calls } = machine({ listening: [5432, 6379, 5672] });
    const infra = await resolveInfra(probes);
    expect(infra).toMatchObject({
      DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/platform',
      REDIS_URL: 'redis://127.0.0.1:6379',
      AMQP_URL: 'amqp://guest:guest@127.0.0.1:5672',
    });
    expect(calls.filter((c) => c.startsWith('probe'))).toEqual(['probe 5432', 'probe 6379', 'probe 5672']);
  });

  it('stops the containers it started when a later server cannot be found', async () => {
    const { probes, calls } = machine({ docker: true });
    let containers = 0;
    const limited: InfraProbes = {
      ...probes,
      dockerAnswers: async () => containers++ < 2,
    };
    await expect(resolveInfra(limited)).rejects.toThrow(/RabbitMQ is not available/);
    expect(calls.filter((c) => c.startsWith('stop'))).toEqual(['stop redis', 'stop postgres']);
  });

  it('stop() removes started containers once, newest first', async () => {
    const { probes, calls } = machine({ docker: true });
    const infra = await resolveInfra(probes);
    await infra.stop();
    await infra.stop();
    expect(calls.filter((c) => c.startsWith('stop'))).toEqual(['stop rabbitmq', 'stop redis', 'stop postgres']);
  });
});

describe('test summary', () => {
  const report = (over: Partial<VitestJsonReport>): VitestJsonReport => ({
    numPassedTests: 0, numFailedTests: 0, numPendingTests: 0, numTodoTests: 0, testResults: [], ...over,
  });

  it('prints "N passed, M failed" and adds skipped only when there are some', () => {
    expect(summaryLine({ passed: 12, failed: 0, skipped: 0 })).toBe('12 passed, 0 failed');
    expect(summaryLine({ passed: 12, failed: 1, skipped: 3 })).toBe('12 passed, 1 failed, 3 skipped');
  });

  it('counts skipped and todo tests as skipped', () => {
    expect(tallyReport(report({ numPassedTests: 4, numPendingTests: 2, numTodoTests: 1 }))).toEqual({ passed: 4, failed: 0, skipped: 3 });
  });

  it('counts a test file that failed to load as a failure', () => {
    const tally = tallyReport(report({
      numPassedTests: 1,
      numFailedTests: 1,
      testResults: [
        { status: 'failed', assertionResults: [{ status: 'passed' }, { status: 'failed' }] },
        { status: 'failed', assertionResults: [] },
      ],
    }));
    expect(tally).toEqual({ passed: 1, failed: 2, skipped: 0 });
  });

  it('asks vitest for one project, a json report and no failure when a project has no files', () => {
    const args = vitestArgs('int', '/tmp/out.json', ['services/auth']);
    expect(args.slice(0, 5)).toEqual(['exec', 'vitest', 'run', '--project', 'int']);
    expect(args).toContain('--passWithNoTests');
    expect(args).toContain('--reporter=json');
    expect(args).toContain('--outputFile=/tmp/out.json');
    expect(args.at(-1)).toBe('services/auth');
  });
});

describe('process environment of npm start', () => {
  const infra: InfraUrls = { DATABASE_URL: 'postgres://x/platform', REDIS_URL: 'redis://x', AMQP_URL: 'amqp://x' };
  const auth: App = { name: 'auth', kind: 'service', dir: 'services/auth', startScript: 'node src/main.ts', port: 3001 };
  const user: App = { name: 'user', kind: 'service', dir: 'services/user', startScript: 'node src/main.ts', port: 3002 };
  const gateway: App = { name: 'gateway', kind: 'gateway', dir: 'gateway', startScript: 'node src/main.ts', port: 8000 };

  it('gives auth the development admin, key file, service accounts and its own port', () => {
    const resolved = { ...infra, stop: async () => undefined }; // what resolveInfra returns
    const planned = planApp(auth, { root: '/repo', infra: resolved, userEnv: {} });
    expect(planned.env).not.toHaveProperty('stop');
    expect(planned.env).toMatchObject({
      ...infra,
      PORT: '3001',
      OTEL_SERVICE_NAME: 'auth',
      LOG_LEVEL: 'info',
      ADMIN_EMAIL: DEV_ADMIN.email,
      ADMIN_PASSWORD: DEV_ADMIN.password,
      JWT_PRIVATE_KEY_FILE: '/repo/.data/dev-keys/jwt-private.pem',
      AUTH_JWKS_URL: 'http://127.0.0.1:3001/api/v1/public/auth/.well-known/jwks.json',
    });
    expect(planned.env.SERVICE_ACCOUNTS?.split(',')).toContain('user:dev-user-secret-123456');
    expect(planned.env.SERVICE_CLIENT_ID).toBeUndefined();
    expect(planned.readyUrl).toBe('http://127.0.0.1:3001/api/v1/ready');
  });

  it('lets the user override shared defaults but never the per-process port or name', () => {
    const planned = planApp(user, { root: '/repo', infra, userEnv: { LOG_LEVEL: 'debug', PORT: '9999', OTEL_SERVICE_NAME: 'x', ADMIN_PASSWORD: 'mine' } });
    expect(planned.env).toMatchObject({
      LOG_LEVEL: 'debug', ADMIN_PASSWORD: 'mine', PORT: '3002', OTEL_SERVICE_NAME: 'user',
      SERVICE_CLIENT_ID: 'user', SERVICE_CLIENT_SECRET: 'dev-user-secret-123456',
    });
  });

  it('runs the gateway on kong/kong.yml as rendered with the development keys, and checks readiness on its status port', () => {
    const planned = planApp(gateway, { root: '/repo', infra, userEnv: {} });
    expect(planned.env).toMatchObject({ GATEWAY_PORT: '8000', GATEWAY_STATUS_PORT: '8100', KONG_DECLARATIVE_CONFIG: '/repo/.data/kong/kong.yml' });
    expect(isAbsolute(planned.env.KONG_DECLARATIVE_CONFIG ?? '')).toBe(true);
    expect(planned.readyUrl).toBe('http://127.0.0.1:8100/api/v1/ready');
    expect(planned.publicUrl).toBe('http://127.0.0.1:8000/KONGAPI/api/v1');
  });

  it('starts auth alone, then the other services together, then the gateway', () => {
    const plan = [gateway, user, auth].map((app) => planApp(app, { root: '/repo', infra, userEnv: {} }));
    expect(startPhases(plan).map((phase) => phase.map((app) => app.name))).toEqual([['auth'], ['user'], ['gateway']]);
  });

  it('prints the gateway URL when there is one, else each service URL, and the admin login', () => {
    const withoutGateway = readyBanner([planApp(auth, { root: '/repo', infra, userEnv: {} })]).join('\n');
    expect(withoutGateway).toContain('http://127.0.0.1:3001/api/v1');
    expect(withoutGateway).toContain(`${DEV_ADMIN.email} / ${DEV_ADMIN.password}`);
    const withGateway = readyBanner([auth, gateway].map((app) => planApp(app, { root: '/repo', infra, userEnv: {} }))).join('\n');
    expect(withGateway).toContain('gateway: http://127.0.0.1:8000/KONGAPI/api/v1');
  });

  it('pads log prefixes to one width and execs simple start scripts', () => {
    expect(prefixFor('auth', 12)).toBe('[auth]'.padEnd(14));
    expect(shellLine('node --import x src/main.ts')).toBe('exec node --import x src/main.ts');
    expect(shellLine('node a.ts && node b.ts')).toBe('node a.ts && node b.ts');
  });
});

describe('discoverApps', () => {
  let dir: string | undefined;
  afterEach(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const writePackage = (root: string, path: string, scripts: Record<string, string>) => {
    mkdirSync(join(root, path), { recursive: true });
    writeFileSync(join(root, path, 'package.json'), JSON.stringify({ name: path, scripts }));
  };

  it('finds the services that exist, auth first, and the gateway last', () => {
    dir = mkdtempSync(join(tmpdir(), 'launcher-'));
    writePackage(dir, 'services/user', { start: 'node u.ts' });
    writePackage(dir, 'services/auth', { start: 'node a.ts' });
    mkdirSync(join(dir, 'services/file')); // not built yet: no package.json
    writePackage(dir, 'gateway', { start: 'node g.ts' });
    expect(discoverApps(dir).map(({ name, dir: path, port, startScript }) => ({ name, path, port, startScript }))).toEqual([
      { name: 'auth', path: 'services/auth', port: 3001, startScript: 'node a.ts' },
      { name: 'user', path: 'services/user', port: 3002, startScript: 'node u.ts' },
      { name: 'gateway', path: 'gateway', port: 8000, startScript: 'node g.ts' },
    ]);
  });

  it('returns nothing for an empty workspace, refuses a service without a port, and skips one without a start script yet', () => {
    dir = mkdtempSync(join(tmpdir(), 'launcher-'));
    expect(discoverApps(dir)).toEqual([]);
    writePackage(dir, 'services/billing', { start: 'node b.ts' });
    expect(() => discoverApps(dir as string)).toThrow(/services\/billing has no port/);
    rmSync(join(dir, 'services/billing'), { recursive: true });
    writePackage(dir, 'services/auth', {});
    writePackage(dir, 'gateway', {});
    expect(discoverApps(dir as string)).toEqual([]);
  });
});
