export { createLogger, type Logger } from './create-logger.ts';
export { requestStore, currentRequestId, type RequestStore } from './request-store.ts';
export { redactValue } from './redact.ts';
