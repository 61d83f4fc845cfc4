// Finds Postgres, Redis and RabbitMQ for `npm start`, `npm test` and `npm run bench`, in this order:
// env URL → a server already on the default local port → the Debian-installed server, started →
// Testcontainers when a Docker engine answers → an error naming what to install or start.
export type InfraKind = 'postgres' | 'redis' | 'rabbitmq';

export type InfraSpec = {
  kind: InfraKind;
  label: string;
  envVar: 'DATABASE_URL' | 'REDIS_URL' | 'AMQP_URL';
  port: number;
  defaultUrl: string;
  /** Debian's own start command, run only when the server is installed but not running. */
  debianStart: string;
  /** How long a started server may take to open its port. */
  startTimeoutMs: number;
  installHint: string;
};

export const INFRA: readonly InfraSpec[] = [
  {
    kind: 'postgres',
    label: 'PostgreSQL',
    envVar: 'DATABASE_URL',
    port: 5432,
    defaultUrl: 'postgres://postgres@127.0.0.1:5432/platform',
    debianStart: 'pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start',
    startTimeoutMs: 60_000,
    installHint: 'apt-get install postgresql (trust auth for user postgres on 127.0.0.1:5432)',
  },
  {
    kind: 'redis',
    label: 'Redis',
    envVar: 'REDIS_URL',
    port: 6379,
    defaultUrl: 'redis://127.0.0.1:6379',
    debianStart:
      'redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no --dir /var/lib/redis --logfile /var/log/redis/ci.log',
    startTimeoutMs: 60_000,
    installHint: 'apt-get install redis-server',
  },
  {
    kind: 'rabbitmq',
    label: 'RabbitMQ',
    envVar: 'AMQP_URL',
    port: 5672,
    defaultUrl: 'amqp://guest:guest@127.0.0.1:5672',
    debianStart: 'rabbitmq-server -detached',
    // The Erlang VM boots slowly on a cold machine; the port opens only when the broker is ready.
    startTimeoutMs: 90_000,
    installHint: 'apt-get install rabbitmq-server',
  },
];

export type Resolution = 'env' | 'local' | 'debian' | 'container';

export type ResolvedService = { url: string; via: Resolution; stop?: () => Promise<void> };

/** Everything the resolver does to the outside world, so tests can drive each branch. */
export type InfraProbes = {
  env: Record<string, string | undefined>;
  portAnswers(port: number): Promise<boolean>;
  debianInstalled(spec: InfraSpec): Promise<boolean>;
  /** Runs spec.debianStart and waits for the port; throws with the reason when it does not come up. */
  startDebian(spec: InfraSpec): Promise<void>;
  dockerAnswers(): Promise<boolean>;
  startContainer(spec: InfraSpec): Promise<{ url: string; stop: () => Promise<void> }>;
  /** Makes a local server usable at url (Postgres: creates the database when missing). */
  prepare(spec: InfraSpec, url: string): Promise<void>;
  log(message: string): void;
};

export type InfraUrls = { DATABASE_URL: string; REDIS_URL: string; AMQP_URL: string };

export type ResolvedInfra = InfraUrls & { stop(): Promise<void> };

/** Just the three URLs, for a child's environment (a ResolvedInfra also carries stop()). */
export const infraEnv = ({ DATABASE_URL, REDIS_URL, AMQP_URL }: InfraUrls): InfraUrls => ({ DATABASE_URL, REDIS_URL, AMQP_URL });

const VIA_TEXT: Record<Resolution, string> = {
  env: 'from the environment',
  local: 'already running on the default port',
  debian: 'started the installed server',
  container: 'started with Testcontainers',
};

const redact = (url: string) => url.replace(/\/\/([^:/@]+):[^@/]+@/, '//$1:***@');

export async function resolveOne(spec: InfraSpec, probes: InfraProbes): Promise<ResolvedService> {
  const fromEnv = probes.env[spec.envVar];
  if (fromEnv) return { url: fromEnv, via: 'env' };

  if (await probes.portAnswers(spec.port)) {
    await probes.prepare(spec, spec.defaultUrl);
    return { url: spec.defaultUrl, via: 'local' };
  }

  const problems = [`nothing answers on 127.0.0.1:${spec.port}`];
  if (await probes.debianInstalled(spec)) {
    probes.log(`${spec.label} is installed but not running; starting it: ${spec.debianStart}`);
    try {
      await probes.startDebian(spec);
      await probes.prepare(spec, spec.defaultUrl);
      return { url: spec.defaultUrl, via: 'debian' };
    } catch (err) {
      problems.push(`starting the installed server failed: ${(err as Error).message}`);
    }
  } else {
    problems.push('no installed server was found');
  }

  if (await probes.dockerAnswers()) {
    probes.log(`${spec.label}: starting a container with Testcontainers ...`);
    return { ...(await probes.startContainer(spec)), via: 'container' };
  }
  problems.push('no Docker engine answers (docker info)');

  throw new Error(
    `${spec.label} is not available: ${problems.join('; ')}.\n` +
      `  Fix one of: set ${spec.envVar}=${spec.defaultUrl.replace('127.0.0.1', '<host>')}; ` +
      `or install and start it (${spec.installHint}); or start a Docker engine so Testcontainers can run it.`,
  );
}

/**
 * Resolves the three servers one after another and logs how each was found. Containers already
 * started are stopped when a later server cannot be found. Without probes it uses the real ones.
 */
export async function resolveInfra(probes?: InfraProbes): Promise<ResolvedInfra> {
  const world = probes ?? (await import('./infra-probes.ts')).createInfraProbes();
  const started: ResolvedService[] = [];
  const stop = async () => {
    for (const service of started.splice(0).reverse()) await service.stop?.();
  };
  const urls = new Map<InfraSpec['envVar'], string>();
  try {
    for (const spec of INFRA) {
      const service = await resolveOne(spec, world);
      started.push(service);
      urls.set(spec.envVar, service.url);
      world.log(`${spec.label}: ${redact(service.url)} (${VIA_TEXT[service.via]})`);
    }
  } catch (err) {
    await stop();
    throw err;
  }
  const url = (name: InfraSpec['envVar']) => urls.get(name) ?? '';
  return { DATABASE_URL: url('DATABASE_URL'), REDIS_URL: url('REDIS_URL'), AMQP_URL: url('AMQP_URL'), stop };
}
