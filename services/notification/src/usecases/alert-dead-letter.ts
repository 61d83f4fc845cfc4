import type { DeadLetterInfo } from '@platform/shared/events';
import type { OpsAlerter } from './ports.ts';

/** An ops alert for a message parked in a DLQ (the kit calls this once per dead-lettered message). */
export function alertDeadLetter(alerter: OpsAlerter, info: DeadLetterInfo): Promise<void> {
  const why = info.reason === 'max_attempts' ? `failed ${info.attempt} times` : `was refused (${info.reason})`;
  return alerter.alert(
    `:rotating_light: A ${info.eventType} event ${why} and was moved to ${info.queue}.dlq. Last error: ${info.error.slice(0, 300)}. `
    + 'Replay it with POST /api/v1/admin/notifications/dead-letters/{queue id}/replay once the cause is fixed.',
  );
}
