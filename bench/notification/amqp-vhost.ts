// The measured service's consumers use fixed-shape queue names; a RabbitMQ virtual host of its own
// (rabbitmqctl, when this machine has the broker) keeps them and every message away from anything
// else on the broker, and is deleted with everything in it at the end.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import { onInterrupt } from '../lib/cleanup.ts';

const run = promisify(execFile);
const ctl = (...args: string[]) => run('rabbitmqctl', args, { timeout: 30_000 });

export type BenchVhost = { url: string; exchange: string; queuePrefix: string; isolation: string; drop(): Promise<void> };

export async function benchVhost(baseUrl: string): Promise<BenchVhost> {
  const tag = randomBytes(4).toString('hex');
  const exchange = `bench.notification.${tag}`;
  const queuePrefix = `bench_notification_${tag}`;
  const vhost = `bench-notification-${tag}`;
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
