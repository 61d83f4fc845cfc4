import type { EventDefinition } from '../define-event.ts';
import { authEmailVerificationRequested } from './auth-email-verification-requested.ts';
import { authInvitationRequested } from './auth-invitation-requested.ts';
import { authLoginLocked } from './auth-login-locked.ts';
import { authPasswordResetRequested } from './auth-password-reset-requested.ts';
import { fileDeleted } from './file-deleted.ts';
import { fileUploaded } from './file-uploaded.ts';
import { notificationReadStateChanged } from './notification-read-state-changed.ts';
import { syncJobCompleted } from './sync-job-completed.ts';
import { syncJobFailed } from './sync-job-failed.ts';
import { syncJobStarted } from './sync-job-started.ts';
import { userBanned } from './user-banned.ts';
import { userCreated } from './user-created.ts';
import { userDataErased } from './user-data-erased.ts';
import { userDeleted } from './user-deleted.ts';
import { userRegistered } from './user-registered.ts';
import { userRoleChanged } from './user-role-changed.ts';
import { userUnbanned } from './user-unbanned.ts';
import { userUpdated } from './user-updated.ts';

export {
  authEmailVerificationRequested, authInvitationRequested, authLoginLocked, authPasswordResetRequested,
  fileDeleted, fileUploaded, notificationReadStateChanged, syncJobCompleted, syncJobFailed, syncJobStarted,
  userBanned, userCreated, userDataErased, userDeleted, userRegistered, userRoleChanged, userUnbanned, userUpdated,
};

/** Every event type of the platform (guide §8); add a definition here when adding a file. */
export const eventCatalog: readonly EventDefinition[] = [
  userRegistered, authEmailVerificationRequested, authPasswordResetRequested, authInvitationRequested, authLoginLocked,
  userCreated, userUpdated, userRoleChanged, userBanned, userUnbanned, userDeleted, userDataErased,
  fileUploaded, fileDeleted, syncJobStarted, syncJobCompleted, syncJobFailed, notificationReadStateChanged,
];
