// The measured user service runs its event consumers, whose queue names are fixed
// (`user.<purpose>`): on the shared broker they would be the very queues a running platform (or
// another session's e2e test) consumes from, and the benchmark's process would take its messages.
// So the service gets a RabbitMQ virtual host of its own for the run, made with rabbitmqctl when
// this machine has it (the local broker); otherwise the default vhost with an exchange of its own.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import { onInterrupt } from '../lib/cleanup.ts';

const run = promisify(execFile);
const TIMEOUT_MS = 30_000;

export type BenchAmqp = { url: string; exchange: string; isolation: string; drop(): Promise<void> };

const ctl = (...args: string[]) => run('rabbitmqctl', args, { timeout: TIMEOUT_MS });

export async function benchAmqp(baseUrl: string): Promise<BenchAmqp> {
  const tag = randomBytes(4).toString('hex');
  const exchange = `bench.user.${tag}`;
  const vhost = `bench-user-${tag}`;
  const url = new URL(baseUrl);
  try {
    await ctl('add_vhost', vhost);
  } catch (err) {
    const reason = (err as Error).message.split('\n')[0];
    return { url: baseUrl, exchange, isolation: `shared vhost, own exchange ${exchange} (no rabbitmqctl: ${reason})`, drop: async () => {} };
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
  return {
    url: url.toString(),
    exchange,
    isolation: `own vhost ${vhost}`,
    async drop() {
      await drop();
      done();
    },
  };
}
