import { Router, type Response } from 'express';
import { metricsRegistry } from './metrics.ts';
import { ids } from './request-context.ts';

/** A dependency probe for /ready: resolves when the dependency answers, rejects (or times out) when not. */
export type ReadinessCheck = { name: string; check: () => Promise<unknown> };

const CHECK_TIMEOUT_MS = 2_000;

async function runCheck({ name, check }: ReadinessCheck) {
  const start = performance.now();
  try {
    await Promise.race([
      check(),
      new Promise((_, reject) => setTimeout(() => reject(new Error('timed out')), CHECK_TIMEOUT_MS).unref()),
    ]);
    return { name, status: 'up' as const, latency_ms: Math.round((performance.now() - start) * 100) / 100 };
  } catch (err) {
    return { name, status: 'down' as const, latency_ms: Math.round((performance.now() - start) * 100) / 100, error: (err as Error).message };
  }
}

/** /health and /live (the process answers), /ready (each dependency's status and latency), /metrics (prom-client). */
export function healthRouter({ service, checks = [] }: { service: string; checks?: ReadinessCheck[] }): Router {
  const router = Router();
  const alive = (_req: unknown, res: Response) => {
    res.json({ success: true, status_code: 200, data: { status: 'ok', service, uptime_s: Math.round(process.uptime()) }, meta: ids(res) });
  };
  router.get('/health', alive);
  router.get('/live', alive);
  router.get('/ready', async (_req, res) => {
    const results = await Promise.all(checks.map(runCheck));
    const ready = results.every((r) => r.status === 'up');
    const status = ready ? 200 : 503;
    if (ready) {
      res.status(200).json({ success: true, status_code: 200, data: { status: 'ready', service, checks: results }, meta: ids(res) });
    } else {
      res.status(status).json({
        success: false, status_code: status, data: { status: 'not_ready', service, checks: results },
        error: { code: 'SYS_003', message: 'A dependency is unavailable', details: results.filter((r) => r.status === 'down'), ...ids(res) },
      });
    }
  });
  router.get('/metrics', async (_req, res) => {
    res.setHeader('content-type', metricsRegistry.contentType);
    res.send(await metricsRegistry.metrics());
  });
  return router;
}
