// The runnable packages of the workspace: the gateway and every service that exists today.
// Services not yet built have no package.json and are simply absent.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export const SERVICE_PORTS: Readonly<Record<string, number>> = {
  auth: 3001,
  user: 3002,
  file: 3003,
  sync: 3004,
  notification: 3005,
};

export const GATEWAY_PORT = 8000;
export const GATEWAY_STATUS_PORT = 8100;

export type App = {
  name: string;
  kind: 'gateway' | 'service';
  /** Package directory relative to the repository root, e.g. `services/auth`. */
  dir: string;
  /** The package's own `start` script, e.g. `node --import @platform/shared/telemetry/register src/main.ts`. */
  startScript: string;
  /** Port of its main listener (services) or proxy (gateway). */
  port: number;
};

function readStartScript(root: string, dir: string): string {
  const pkg = JSON.parse(readFileSync(join(root, dir, 'package.json'), 'utf8')) as { scripts?: Record<string, string> };
  const script = pkg.scripts?.start;
  if (!script) throw new Error(`${dir}/package.json has no "start" script`);
  return script;
}

/** Services sorted by port (auth first, since the others fetch its keys and tokens), then the gateway. */
export function discoverApps(root: string): App[] {
  const servicesDir = join(root, 'services');
  const names = existsSync(servicesDir)
    ? readdirSync(servicesDir).filter((name) => existsSync(join(servicesDir, name, 'package.json')))
    : [];
  const services: App[] = names.map((name) => {
    const port = SERVICE_PORTS[name];
    if (port === undefined) throw new Error(`services/${name} has no port; add it to SERVICE_PORTS in infra/launcher/workspace.ts`);
    const dir = `services/${name}`;
    return { name, kind: 'service', dir, startScript: readStartScript(root, dir), port };
  });
  services.sort((a, b) => a.port - b.port);
  const gateway: App[] = existsSync(join(root, 'gateway', 'package.json'))
    ? [{ name: 'gateway', kind: 'gateway', dir: 'gateway', startScript: readStartScript(root, 'gateway'), port: GATEWAY_PORT }]
    : [];
  return [...services, ...gateway];
}
