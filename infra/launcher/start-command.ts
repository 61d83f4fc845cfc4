// `npm start`: infra, then every service (auth first), then the gateway; each must answer its
// ready endpoint before the next phase starts. Ctrl-C / SIGTERM stops everything cleanly.
import { DEV_ADMIN, planApp, type LaunchedApp } from './dev-env.ts';
import { startApp, waitUntilReady, type RunningApp } from './app-process.ts';
import { DEV_KEYS_DIR, prepareDevKeys } from './dev-keys.ts';
import { resolveInfra } from './resolve-infra.ts';
import { discoverApps } from './workspace.ts';

const READY_TIMEOUT_MS = 60_000;
const STOP_GRACE_MS = 10_000;

const say = (message: string) => console.log(`[start] ${message}`);

/** auth alone first (the others fetch its keys and tokens), then the other services, then the gateway. */
export function startPhases(apps: LaunchedApp[]): LaunchedApp[][] {
  const services = apps.filter((app) => app.kind === 'service');
  const phases = [
    services.filter((app) => app.name === 'auth'),
    services.filter((app) => app.name !== 'auth'),
    apps.filter((app) => app.kind === 'gateway'),
  ];
  return phases.filter((phase) => phase.length > 0);
}

export function readyBanner(apps: LaunchedApp[]): string[] {
  const gateway = apps.find((app) => app.kind === 'gateway');
  const direct = apps.filter((app) => app.kind === 'service').map((app) => `  ${app.name.padEnd(12)} ${app.publicUrl}`);
  const lines = gateway
    ? [`gateway: ${gateway.publicUrl}`, ...(direct.length ? ['services directly (development):', ...direct] : [])]
    : ['no gateway yet; call the services directly:', ...direct];
  const auth = apps.find((app) => app.name === 'auth');
  if (auth) lines.push(`admin: ${auth.env.ADMIN_EMAIL ?? DEV_ADMIN.email} / ${auth.env.ADMIN_PASSWORD ?? DEV_ADMIN.password} (development only)`);
  lines.push('Ctrl-C stops everything.');
  return lines;
}

export async function startCommand(root: string): Promise<number> {
  // Before any container starts: a template that cannot be rendered stops here with nothing to undo.
  const dev = prepareDevKeys(root, process.env);
  if (dev.keys.created) say(`generated development keys in ${DEV_KEYS_DIR} (kid ${dev.kid ?? 'n/a'}; never commit them)`);
  const infra = await resolveInfra();
  const apps = discoverApps(root).map((app) => planApp(app, { root, infra, userEnv: process.env }));
  if (apps.length === 0) {
    say('no gateway/package.json and no services/*/package.json yet: nothing to start');
    await infra.stop();
    return 0;
  }

  const width = Math.max(...apps.map((app) => app.name.length));
  const phases: RunningApp[][] = [];
  let stopping: Promise<void> | undefined;
  let finish: (code: number) => void = () => undefined;
  const done = new Promise<number>((resolve) => {
    finish = resolve;
  });

  /** Stops gateway first, then services, then containers; the first caller's exit code wins. */
  const shutdown = (reason: string, code: number) => {
    stopping ??= (async () => {
      say(`${reason}; stopping ...`);
      for (const phase of [...phases].reverse()) await Promise.all(phase.map((running) => running.stop(STOP_GRACE_MS)));
      await infra.stop();
      say('stopped');
    })();
    void stopping.then(() => finish(code));
    return done;
  };
  // A terminal's Ctrl-C arrives twice (from the terminal and forwarded by bootstrap.mjs): same request.
  // SIGHUP (terminal closed) too: the children run in their own process groups and would outlive us.
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, () => void shutdown(`${signal} received`, 0));

  const failWith = (running: RunningApp, message: string, reason: string) => {
    if (stopping) return done;
    console.error(`[start] ${message}`);
    console.error(`[start] last lines of ${running.app.name}:\n${running.lastLines().map((l) => `    ${l}`).join('\n')}`);
    return shutdown(reason, 1);
  };

  let index = 0;
  for (const phase of startPhases(apps)) {
    const started = phase.map((app) => {
      say(`starting ${app.name} (${app.dir}: ${app.startScript})`);
      return startApp(app, { root, index: index++, width });
    });
    phases.push(started);
    const waits = started.map(async (running) => {
      try {
        await waitUntilReady(running, READY_TIMEOUT_MS);
        say(`${running.app.name} is ready`);
      } catch (err) {
        await failWith(running, (err as Error).message, 'start failed');
      }
    });
    await Promise.all(waits);
    if (stopping) return done;
  }

  say('ready');
  for (const line of readyBanner(apps)) say(line);
  for (const running of phases.flat()) {
    void running.exited.then((code) => failWith(running, `${running.app.name} exited unexpectedly (${code})`, `${running.app.name} is gone`));
  }
  return done;
}
