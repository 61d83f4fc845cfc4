import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Express } from 'express';
import { createLogger } from '@platform/shared/logger';
import { buildApp } from '../src/app.ts';
import { createTransfers, type Transfers } from '../src/transfers.ts';
import { ISSUER, startTestApp, type TestApp } from './helpers.ts';

export type TransferTestApp = Omit<TestApp, 'app'> & {
  /** The app with tus, signed links and the public route mounted. */
  app: Express;
  transfers: Transfers;
  tusDir: string;
  /** Names in the tus directory (data files and their .json info files). */
  tusFiles(): string[];
};

/** The core test app plus transfers.ts (as main.ts wires it), with its own tus directory. */
export async function startTransferTestApp(env: Record<string, string> = {}): Promise<TransferTestApp> {
  const tusDir = mkdtempSync(join(tmpdir(), 'file-tus-'));
  const t = await startTestApp({ TUS_DIR: tusDir, ...env });
  const logger = createLogger({ service: 'file', level: 'error', silent: !process.env.TEST_LOGS });
  const transfers = createTransfers({ config: t.config, core: t.deps, pool: t.db.pool, logger });
  const app = buildApp({
    ...t.deps,
    issuer: ISSUER,
    getKey: async (kid) => (kid === t.mint.kid ? t.mint.publicKey : undefined),
    redis: t.redis,
    checks: [],
    transfers,
  });
  const stop = t.stop;
  return {
    ...t,
    app,
    transfers,
    tusDir,
    tusFiles: () => readdirSync(tusDir).sort(),
    async stop() {
      await stop();
      rmSync(tusDir, { recursive: true, force: true });
    },
  };
}
