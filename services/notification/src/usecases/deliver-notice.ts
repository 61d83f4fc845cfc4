import type { Category } from '../domain/categories.ts';
import type { Recipient } from '../domain/recipient.ts';
import type { NotificationDeps } from './deps.ts';
import { notify } from './notify.ts';
import type { TemplateVars, TxScope } from './ports.ts';
import { sendMail, type MailOutcome } from './send-mail.ts';

export type Notice = {
  eventId: string;
  eventType: string;
  template: string;
  category: Category;
  recipient: Recipient;
  vars: TemplateVars;
  /** Extra fields of the in-app notification (never a single-use token). */
  data?: Record<string, unknown>;
  attempt: number;
};

/**
 * A notice to one person: the mail (once per event) and, for a user with an account, the in-app
 * notification when the template has in-app text.
 */
export async function deliverNotice(deps: NotificationDeps, scope: TxScope, notice: Notice): Promise<MailOutcome> {
  const outcome = await sendMail(deps, scope, notice);
  const { userId } = notice.recipient;
  if (userId) {
    const text = deps.templates.renderInApp(notice.template, notice.recipient.locale, { name: notice.recipient.displayName, ...notice.vars });
    if (text) {
      await notify(deps, scope, {
        userId,
        category: notice.category,
        type: notice.template,
        title: text.title,
        body: text.body,
        data: notice.data ?? {},
        eventId: notice.eventId,
        eventType: notice.eventType,
      });
    }
  }
  return outcome;
}
