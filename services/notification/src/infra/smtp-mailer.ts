import nodemailer from 'nodemailer';
import type { Logger } from '@platform/shared/logger';
import { MailRejectedError } from '../domain/notification-errors.ts';
import type { Mailer } from '../usecases/ports.ts';

export type SmtpMailerOptions = {
  /** smtp://host:port, smtps://user:pass@host:465 … */
  url: string;
  from: string;
  logger: Logger;
  /** Per connection and per SMTP command (default 10 s). */
  timeoutMs?: number;
};

/**
 * nodemailer over a pooled SMTP connection. A failed send throws: the consumer retries the event
 * later, except for a permanent refusal (MailRejectedError). The log carries the template and
 * message id, never the address.
 */
export function createSmtpMailer({ url, from, logger, timeoutMs = 10_000 }: SmtpMailerOptions): Mailer {
  const transport = nodemailer.createTransport({
    url,
    pool: true,
    maxConnections: 5,
    connectionTimeout: timeoutMs,
    greetingTimeout: timeoutMs,
    socketTimeout: timeoutMs,
    // Local catchers (Mailpit) speak plain SMTP; a server that offers STARTTLS still gets it.
    ignoreTLS: false,
  });
  return {
    async send(message) {
      const info = await transport.sendMail({
        from,
        to: message.to.name ? { name: message.to.name, address: message.to.email } : message.to.email,
        subject: message.subject,
        text: message.text,
        html: message.html,
        ...(message.headers && { headers: message.headers }),
      }).catch((err: Error & { responseCode?: number }) => {
        // 5xx is the server's final word on this message; 4xx and network errors may pass on a retry.
        if (err.responseCode && err.responseCode >= 500 && err.responseCode < 600) {
          throw new MailRejectedError(`the mail server refused the message: ${err.responseCode} ${err.message}`.slice(0, 500), { cause: err });
        }
        throw err;
      });
      logger.debug('mail sent', { message_id: info.messageId, template: message.headers?.['x-notification-template'] });
      return { messageId: typeof info.messageId === 'string' ? info.messageId : null };
    },
    async verify() {
      await transport.verify();
    },
    close() {
      transport.close();
    },
  };
}
