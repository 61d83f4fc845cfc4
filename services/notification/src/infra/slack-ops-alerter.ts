import type { Logger } from '@platform/shared/logger';
import type { OpsAlerter } from '../usecases/ports.ts';

/**
 * Posts {text} to a Slack-compatible incoming webhook (Slack, Mattermost, Rocket.Chat, Teams
 * connectors). Without a URL, or when the post fails, the alert is a log line: an alert must never
 * fail the event that raised it.
 */
export function createSlackOpsAlerter({ url, logger, timeoutMs = 5_000 }: { url: string | undefined; logger: Logger; timeoutMs?: number }): OpsAlerter {
  return {
    async alert(text) {
      logger.warn('ops alert', { text });
      if (!url) return;
      try {
        const res = await fetch(url, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ text }),
          signal: AbortSignal.timeout(timeoutMs),
        });
        await res.arrayBuffer().catch(() => {});
        if (!res.ok) logger.warn('ops alert webhook refused the alert', { status: res.status });
      } catch (err) {
        logger.warn('ops alert webhook unreachable', { err: (err as Error).message });
      }
    },
  };
}
