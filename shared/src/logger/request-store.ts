import { AsyncLocalStorage } from 'node:async_hooks';

export type RequestStore = { requestId: string };

/** Per-request values that log lines and outgoing calls pick up without threading them through every call. */
export const requestStore = new AsyncLocalStorage<RequestStore>();

export const currentRequestId = (): string | undefined => requestStore.getStore()?.requestId;
