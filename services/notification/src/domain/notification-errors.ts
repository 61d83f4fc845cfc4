import { AppError } from '@platform/shared/errors';

export const notificationErrors = {
  securityEmailLocked: (fields: string[]) =>
    new AppError('BIZ_003', 'Security emails cannot be turned off: they are how we reach you about your account\'s safety', {
      details: fields.map((field) => ({ field, issue: 'locked', message: 'Security email cannot be disabled' })),
    }),
  deadLetterQueueUnknown: (id: string) => new AppError('BIZ_001', `No dead-letter queue named ${id}`),
  deadLetterUnknown: (eventId: string) => new AppError('BIZ_001', `No dead letter of event ${eventId}`),
};

/**
 * A dependency (the user directory) is down: the event is retried later with growing delays. Not an
 * AppError, since no client sees it; the consumer kit logs it and moves the message to a retry queue.
 */
export class RetryLaterError extends Error {
  override readonly name = 'RetryLaterError';
}

/** The mail server refused the message for good (5xx: no such mailbox, policy): retrying cannot help. */
export class MailRejectedError extends Error {
  override readonly name = 'MailRejectedError';
}
