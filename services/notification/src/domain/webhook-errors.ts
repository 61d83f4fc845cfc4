import { AppError } from '@platform/shared/errors';

export type TargetRefusal = 'forbidden_address' | 'unresolvable' | 'scheme' | 'credentials';

/** A webhook URL that must not be called (SSRF guard); `message` is safe to show its owner. */
export class WebhookTargetError extends Error {
  override readonly name = 'WebhookTargetError';
  readonly reason: TargetRefusal;
  constructor(reason: TargetRefusal, message: string) {
    super(message);
    this.reason = reason;
  }
}

export const webhookErrors = {
  notFound: (id: string) => new AppError('BIZ_001', `Webhook ${id} not found`),
  deliveryNotFound: (id: string) => new AppError('BIZ_001', `Delivery ${id} not found`),
  targetRefused: (err: WebhookTargetError) =>
    new AppError('VAL_002', `Invalid body: url ${err.message}`, { details: [{ field: 'url', issue: err.reason, message: err.message }] }),
  eventsNotAllowed: (indexes: { index: number; type: string }[], scope: 'user' | 'platform') =>
    new AppError('VAL_002', `Invalid body: events ${indexes.map((i) => i.type).join(', ')} cannot be subscribed to by a ${scope} webhook`, {
      details: indexes.map(({ index }) => ({
        field: `events.${index}`,
        issue: 'not_subscribable',
        message: scope === 'user' ? 'Not an event about you that webhooks can receive' : 'Not an event webhooks can receive',
      })),
    }),
  platformScopeForAdminsOnly: () => new AppError('AUTH_003', 'Only admins can create platform-wide webhooks'),
  tooMany: (max: number) => new AppError('BIZ_003', `You can have at most ${max} webhooks`),
  disabled: () => new AppError('BIZ_002', 'The webhook is disabled; enable it before redelivering'),
};
