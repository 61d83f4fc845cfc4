import type { Server } from 'node:http';
import type { Logger } from '../logger/create-logger.ts';
import { shutdownTelemetry } from '../telemetry/shutdown-telemetry.ts';

type Step = () => unknown;

/** Runs the steps in order on SIGTERM/SIGINT, each awaited, flushes telemetry, then exits; a stuck step cannot hold the process past the timeout. */
export function onShutdown(logger: Logger, steps: Step[], { timeoutMs = 10_000 } = {}): void {
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info('shutting down', { signal });
    setTimeout(() => {
      logger.error('shutdown timed out', { timeout_ms: timeoutMs });
      process.exit(1);
    }, timeoutMs).unref();
    for (const step of steps) {
      try { await step(); } catch (err) { logger.warn('shutdown step failed', { err }); }
    }
    logger.info('stopped');
    // Last, so the spans of the drain itself are exported too.
    try { await shutdownTelemetry(); } catch (err) { logger.warn('telemetry flush failed', { err }); }
    process.exit(0);
  };
  process.once('SIGTERM', () => void stop('SIGTERM'));
  process.once('SIGINT', () => void stop('SIGINT'));
}

/** Stops accepting connections and lets in-flight requests finish; idle keep-alive sockets are closed. */
export function closeServer(server: Server): Promise<void> {
  return new Promise((resolve, reject) => {
    server.close((err) => (err ? reject(err) : resolve()));
    server.closeIdleConnections();
  });
}

/** Tightens Node's lenient defaults (guide §12): slow clients cannot hold sockets for minutes. */
export function hardenServer(server: Server, { headersTimeoutMs = 15_000, requestTimeoutMs = 60_000 } = {}): Server {
  server.headersTimeout = headersTimeoutMs;
  server.requestTimeout = requestTimeoutMs;
  server.keepAliveTimeout = 65_000;
  return server;
}
