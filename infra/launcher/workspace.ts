// The runnable packages of the workspace: the gateway and every service that exists today.
// Services not yet built (no package.json, or one without a `start` script while it is being
// written) are simply absent.
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

function readStartScript(root: string, dir: string): string | undefined {
  const path = join(root, dir, 'package.json');
  if (!existsSync(path)) return undefined;
  const pkg = JSON.parse(readFileSync(path, 'utf8')) as { scripts?: Record<string, string> };
  return pkg.scripts?.start || undefined;
}

/** Services sorted by port (auth first, since the others fetch its keys and tokens), then the gateway. */
export function discoverApps(root: string): App[] {
  const servicesDir = join(root, 'services');
  const names = existsSync(servicesDir) ? readdirSync(servicesDir) : [];
  const services: App[] = names.flatMap((name) => {
    const dir = `services/${name}`;
    const startScript = readStartScript(root, dir);
    if (!startScript) return [];
    const port = SERVICE_PORTS[name];
    if (port === undefined) throw new Error(`services/${name} has no port; add it to SERVICE_PORTS in infra/launcher/workspace.ts`);
    return [{ name, kind: 'service' as const, dir, startScript, port }];
  });
  services.sort((a, b) => a.port - b.port);
  const gatewayScript = readStartScript(root, 'gateway');
  const gateway: App[] = gatewayScript
    ? [{ name: 'gateway', kind: 'gateway', dir: 'gateway', startScript: gatewayScript, port: GATEWAY_PORT }]
    : [];
  return [...services, ...gateway];
}
