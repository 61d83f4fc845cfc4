import type { Category } from '../domain/categories.ts';
import { MailRejectedError } from '../domain/notification-errors.ts';
import { notificationSettingsLink } from '../domain/links.ts';
import { isEnabled, isLocked } from '../domain/preferences.ts';
import { recipientKey, type Recipient } from '../domain/recipient.ts';
import type { NotificationDeps } from './deps.ts';
import type { TemplateVars, TxScope } from './ports.ts';

type Deps = Pick<NotificationDeps, 'preferences' | 'deliveries' | 'templates' | 'mailer' | 'settings'>;

export type MailRequest = {
  /** The event that asked for the mail: with template and recipient, the idempotency key. */
  eventId: string;
  template: string;
  category: Category;
  recipient: Recipient;
  vars: TemplateVars;
  /** The delivery attempt (for the log row). */
  attempt: number;
};

export type MailOutcome = 'sent' | 'duplicate' | 'disabled' | 'rejected';

/**
 * Sends one templated mail at most once per (event, template, recipient): the delivery row is
 * claimed in the caller's transaction before sending, so a redelivered event (or a concurrent
 * duplicate, which waits on the row's key) finds it and sends nothing. A failed send throws and the
 * transaction rolls back, so the retry claims again and sends; a permanent refusal (5xx) is recorded
 * as failed instead.
 */
export async function sendMail(deps: Deps, { tx }: TxScope, req: MailRequest): Promise<MailOutcome> {
  const { recipient } = req;
  const key = { eventId: req.eventId, channel: 'email' as const, template: req.template, recipientId: recipientKey(recipient) };
  const id = await deps.deliveries.claim(tx, key, recipient.locale);
  if (!id) return 'duplicate';
  if (recipient.userId && !isEnabled(await deps.preferences.list(tx, recipient.userId), req.category, 'email')) {
    await deps.deliveries.markSkipped(tx, id, 'email turned off for this category');
    return 'disabled';
  }
  const mail = deps.templates.render(req.template, recipient.locale, { name: recipient.displayName, ...req.vars });
  let messageId: string | null;
  try {
    ({ messageId } = await deps.mailer.send({
      to: { email: recipient.email, name: recipient.displayName },
      subject: mail.subject,
      html: mail.html,
      text: mail.text,
      headers: {
        'x-notification-template': req.template,
        'x-notification-event': req.eventId,
        // Mail clients offer "unsubscribe" for mails the user can turn off (never security mail).
        ...(!isLocked(req.category, 'email') && { 'list-unsubscribe': `<${notificationSettingsLink(deps.settings.publicAppUrl)}>` }),
      },
    }));
  } catch (err) {
    // A mailbox that does not exist will not exist on the next try either: log it, do not retry.
    if (!(err instanceof MailRejectedError)) throw err;
    await deps.deliveries.markFailed(tx, id, req.attempt, err.message);
    return 'rejected';
  }
  await deps.deliveries.markSent(tx, id, req.attempt, messageId);
  return 'sent';
}
