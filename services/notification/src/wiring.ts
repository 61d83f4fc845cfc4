import type { Pool } from '@platform/shared/db';
import { createOutbox } from '@platform/shared/events';
import type { Logger } from '@platform/shared/logger';
import { createServiceClient, type GetToken } from '@platform/shared/service-client';
import type { NotificationConfig } from './config.ts';
import { createUserDirectoryClient } from './infra/clients/user-directory-client.ts';
import { loadFileTemplates } from './infra/file-templates.ts';
import { createPgDeliveryRepo } from './infra/pg-delivery-repo.ts';
import { createPgNotificationRepo } from './infra/pg-notification-repo.ts';
import { createPgPreferenceRepo } from './infra/pg-preference-repo.ts';
import { createPgWebhookEraser } from './infra/pg-webhook-eraser.ts';
import { createRunInScope } from './infra/run-in-scope.ts';
import { createSlackOpsAlerter } from './infra/slack-ops-alerter.ts';
import { createSmtpMailer } from './infra/smtp-mailer.ts';
import type { NotificationDeps } from './usecases/deps.ts';
import type { NotifyListener } from './usecases/ports.ts';

export type NotificationSettings = Pick<NotificationConfig,
  'SMTP_URL' | 'MAIL_FROM' | 'PUBLIC_APP_URL' | 'DEFAULT_LOCALE' | 'ADMIN_ALERT_EMAILS' | 'OPS_ALERT_WEBHOOK_URL'
  | 'USER_SERVICE_URL' | 'USER_SERVICE_TIMEOUT_MS' | 'USER_SERVICE_BREAKER_RESET_MS'>;

/**
 * The concrete adapters behind the use-case ports, over connections the caller opened. main.ts and
 * the integration tests wire the service the same way through this one function. `close()` releases
 * what it opened itself (SMTP pool, breaker).
 */
export function createNotificationDeps({ config, pool, logger, getServiceToken, listeners = [] }: {
  config: NotificationSettings;
  pool: Pool;
  logger: Logger;
  /** Service tokens for the user service (createTokenProvider in main.ts). */
  getServiceToken: GetToken;
  listeners?: NotifyListener[];
}): NotificationDeps & { close(): void } {
  const mailer = createSmtpMailer({ url: config.SMTP_URL, from: config.MAIL_FROM, logger });
  const userService = createServiceClient({
    name: 'user',
    baseUrl: config.USER_SERVICE_URL,
    timeoutMs: config.USER_SERVICE_TIMEOUT_MS,
    retries: 1,
    breaker: { resetTimeoutMs: config.USER_SERVICE_BREAKER_RESET_MS },
    getToken: getServiceToken,
    logger,
  });
  return {
    db: pool,
    runInScope: createRunInScope(pool, logger),
    notifications: createPgNotificationRepo(),
    preferences: createPgPreferenceRepo(),
    deliveries: createPgDeliveryRepo(),
    webhookEraser: createPgWebhookEraser(),
    outbox: createOutbox('notifications'),
    mailer,
    templates: loadFileTemplates({ defaultLocale: config.DEFAULT_LOCALE }),
    directory: createUserDirectoryClient(userService),
    alerter: createSlackOpsAlerter({ url: config.OPS_ALERT_WEBHOOK_URL, logger }),
    listeners,
    settings: {
      publicAppUrl: config.PUBLIC_APP_URL,
      defaultLocale: config.DEFAULT_LOCALE,
      adminAlertEmails: config.ADMIN_ALERT_EMAILS,
    },
    now: () => new Date(),
    logger,
    close() {
      mailer.close();
      userService.close();
    },
  };
}
