import { AsyncLocalStorage } from 'node:async_hooks';
import type { IncomingMessage } from 'node:http';
import type { Actor } from '@platform/shared/auth';

/** What the Express side knows about the tus request being handled, for the tus hooks and the store. */
export type TusRequestContext = {
  actor: Actor;
  /** Where upload URLs start (…/uploads as the client addressed it). */
  locationBase: string;
  /** Upload-Checksum of a PATCH, parsed. */
  checksum?: { algorithm: string; digest: Buffer };
  /** The first error a hook raised (an AppError), answered as the platform's error envelope. */
  error?: unknown;
  /** The file a finished upload became. */
  fileId?: string;
  /** The Node request whose body tus writes (node-body-writer.ts reads it directly). */
  nodeReq?: IncomingMessage;
};

export const tusContext = new AsyncLocalStorage<TusRequestContext>();

export function currentTusContext(): TusRequestContext {
  const ctx = tusContext.getStore();
  if (!ctx) throw new Error('tus request handled outside tusContext.run()');
  return ctx;
}
