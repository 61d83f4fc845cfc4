import type { AmqpConnectionManager } from 'amqp-connection-manager';
import type { ConfirmChannel } from 'amqplib';
import type { Logger } from '../logger/create-logger.ts';

export type ChannelSetup = (channel: ConfirmChannel) => Promise<void>;

export type ManagedChannel = {
  /** The open, set-up channel, or undefined while there is none. */
  readonly current: ConfirmChannel | undefined;
  /** Resolves with the channel once it is open and set up; rejects after timeoutMs. */
  waitForOpen(timeoutMs: number): Promise<ConfirmChannel>;
  close(): Promise<void>;
};

/**
 * A confirm channel that is re-created and set up again whenever it closes, whether the whole
 * connection dropped (amqp-connection-manager reconnects it) or only the channel was closed by
 * the broker (a failed assert, an unknown delivery tag). amqp-connection-manager's own
 * ChannelWrapper only recovers on a new connection, which would leave a channel-level error
 * without a channel until the next reconnect.
 */
export function openManagedChannel(
  manager: AmqpConnectionManager,
  { name, setup, logger, retryMs = 1_000 }: { name: string; setup: ChannelSetup; logger: Logger; retryMs?: number },
): ManagedChannel {
  let current: ConfirmChannel | undefined;
  let opening = false;
  let closed = false;
  const waiters = new Set<(ch: ConfirmChannel) => void>();

  const retryLater = () => {
    if (!closed) setTimeout(() => void open(), retryMs).unref();
  };

  async function open(): Promise<void> {
    const connection = manager.connection;
    // No connection: the manager's next 'connect' event calls open again.
    if (closed || opening || current || !connection) return;
    opening = true;
    let ch: ConfirmChannel | undefined;
    try {
      ch = await connection.createConfirmChannel();
      const opened = ch;
      // Without an 'error' listener a channel error would be thrown as an uncaught exception.
      opened.on('error', (err: Error) => logger.warn('rabbitmq channel error', { channel: name, err: err.message }));
      opened.once('close', () => {
        if (current === opened) current = undefined;
        retryLater();
      });
      await setup(opened);
      if (closed) {
        await opened.close().catch(() => {});
        return;
      }
      current = opened;
      for (const resolve of waiters) resolve(opened);
      waiters.clear();
    } catch (err) {
      if (!closed) logger.warn('rabbitmq channel setup failed', { channel: name, err: (err as Error).message });
      await ch?.close().catch(() => {});
      retryLater();
    } finally {
      opening = false;
    }
  }

  const onConnect = () => void open();
  manager.on('connect', onConnect);
  void open();

  return {
    get current() { return current; },
    waitForOpen(timeoutMs) {
      if (current) return Promise.resolve(current);
      return new Promise((resolve, reject) => {
        const done = (ch: ConfirmChannel) => { clearTimeout(timer); resolve(ch); };
        const timer = setTimeout(() => { waiters.delete(done); reject(new Error(`rabbitmq channel ${name} not open after ${timeoutMs} ms`)); }, timeoutMs);
        timer.unref();
        waiters.add(done);
      });
    },
    async close() {
      closed = true;
      manager.off('connect', onConnect);
      const ch = current;
      current = undefined;
      await ch?.close().catch(() => {});
    },
  };
}
