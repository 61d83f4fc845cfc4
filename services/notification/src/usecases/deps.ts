import type { Logger } from '@platform/shared/logger';
import type {
  Clock, Db, DeliveryRepo, Mailer, NotificationRepo, NotifyListener, OpsAlerter, Outbox, PreferenceRepo, RunInScope,
  TemplateRenderer, UserDirectory, WebhookEraser,
} from './ports.ts';

export type MailSettings = {
  /** Base of the links in mails (verify-email, reset-password pages). */
  publicAppUrl: string;
  defaultLocale: string;
  /** Recipients of the admin mails (sync finished/failed). */
  adminAlertEmails: readonly string[];
};

/** Everything the use cases may need; each use case names the part it uses with Pick. */
export type NotificationDeps = {
  db: Db;
  runInScope: RunInScope;
  notifications: NotificationRepo;
  preferences: PreferenceRepo;
  deliveries: DeliveryRepo;
  webhookEraser: WebhookEraser;
  outbox: Outbox;
  mailer: Mailer;
  templates: TemplateRenderer;
  directory: UserDirectory;
  alerter: OpsAlerter;
  /** notify()'s hooks: webhook fan-out and live push register here (wiring.ts). */
  listeners: NotifyListener[];
  settings: MailSettings;
  now: Clock;
  logger: Logger;
};
