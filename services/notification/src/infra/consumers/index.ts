import type { ConsumerDef } from '@platform/shared/events';
import type { ConsumerQueues } from '../../usecases/dead-letters.ts';
import type { NotificationDeps } from '../../usecases/deps.ts';
import { onEmailVerificationRequested } from './on-email-verification-requested.ts';
import { onFileUploaded } from './on-file-uploaded.ts';
import { onInvitationRequested } from './on-invitation-requested.ts';
import { onLoginLocked } from './on-login-locked.ts';
import { onPasswordResetRequested } from './on-password-reset-requested.ts';
import { onSyncJobCompleted, onSyncJobFailed } from './on-sync-job-finished.ts';
import { onUserBanned } from './on-user-banned.ts';
import { onUserDeleted } from './on-user-deleted.ts';
import { onUserRegistered } from './on-user-registered.ts';

type Factory = (deps: NotificationDeps, queue: string) => ConsumerDef;

/** Queue id (the part after the prefix; the DLQ routes' {id}) → consumer. */
const CORE: Record<string, Factory> = {
  'verify-email': onEmailVerificationRequested,
  'password-reset': onPasswordResetRequested,
  'invitation': onInvitationRequested,
  'welcome': onUserRegistered,
  'login-locked': onLoginLocked,
  'ban-notice': onUserBanned,
  'large-upload': onFileUploaded,
  'sync-completed': onSyncJobCompleted,
  'sync-failed': onSyncJobFailed,
  'user-erasure': onUserDeleted,
};

/**
 * Every consumer of the service, on queues `<prefix>.<id>` (prefix: EVENT_QUEUE_PREFIX, 'notification'
 * in production). `extra` adds consumers of other features (N2) under the same rules.
 */
export function createConsumers(deps: NotificationDeps, prefix: string, extra: Record<string, Factory> = {}): { defs: ConsumerDef[]; queues: ConsumerQueues } {
  const defs: ConsumerDef[] = [];
  const queues = new Map<string, { queue: string; eventType: string }>();
  for (const [id, make] of Object.entries({ ...CORE, ...extra })) {
    const def = make(deps, `${prefix}.${id}`);
    defs.push(def);
    queues.set(id, { queue: def.queue, eventType: def.event.type });
  }
  return { defs, queues };
}
