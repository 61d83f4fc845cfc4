import { createRunInTx, type Pool } from '@platform/shared/db';
import type { Logger } from '@platform/shared/logger';
import type { RunInScope } from '../usecases/ports.ts';

/** A transaction with an after-commit queue (the consumer kit gives handlers the same through ctx.afterCommit). */
export function createRunInScope(pool: Pool, logger: Logger): RunInScope {
  const runInTx = createRunInTx(pool);
  return async (fn) => {
    const queued: (() => unknown)[] = [];
    const result = await runInTx((tx) => fn({ tx, afterCommit: (step) => { queued.push(step); } }));
    for (const step of queued) {
      try { await step(); } catch (err) { logger.warn('after-commit step failed', { err }); }
    }
    return result;
  };
}
