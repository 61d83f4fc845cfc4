// A measured service runs its event consumers, whose queue names have a fixed shape
// (`<service>.<purpose>`): on the shared broker they would be the very queues a running platform (or
// another session's e2e test) consumes from, and the benchmark's process would take its messages.
// So the service gets a RabbitMQ virtual host of its own for the run, made with rabbitmqctl when this
// machine has it (the local broker), deleted with everything in it at the end; otherwise the default
// vhost with an exchange and queue prefix of its own.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import { onInterrupt } from './cleanup.ts';

const run = promisify(execFile);
const ctl = (...args: string[]) => run('rabbitmqctl', args, { timeout: 30_000 });

export type BenchVhost = { url: string; exchange: string; queuePrefix: string; isolation: string; drop(): Promise<void> };

/** `name` tags the vhost, exchange and queue prefix, e.g. `user` → vhost `bench-user-<random>`. */
export async function benchVhost(baseUrl: string, name: string): Promise<BenchVhost> {
  const tag = randomBytes(4).toString('hex');
  const exchange = `bench.${name}.${tag}`;
  const queuePrefix = `bench_${name}_${tag}`;
  const vhost = `bench-${name}-${tag}`;
  const url = new URL(baseUrl);
  try {
    await ctl('add_vhost', vhost);
  } catch (err) {
    const reason = (err as Error).message.split('\n')[0];
    return { url: baseUrl, exchange, queuePrefix, isolation: `shared vhost, own exchange and queue prefix (no rabbitmqctl: ${reason}); queues are left behind`, drop: async () => {} };
  }
  const drop = () => ctl('delete_vhost', vhost).then(() => undefined, () => undefined);
  const done = onInterrupt(drop);
  try {
    await ctl('set_permissions', '-p', vhost, decodeURIComponent(url.username || 'guest'), '.*', '.*', '.*');
  } catch (err) {
    await drop();
    done();
    throw err;
  }
  url.pathname = `/${encodeURIComponent(vhost)}`;
  return { url: url.toString(), exchange, queuePrefix, isolation: `own vhost ${vhost}`, async drop() { await drop(); done(); } };
}
