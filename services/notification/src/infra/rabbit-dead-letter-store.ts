import { listDeadLetters, replayDeadLetters, type Broker } from '@platform/shared/events';
import type { DeadLetterStore } from '../usecases/ports.ts';

// Mail events carry single-use tokens; an admin reading the DLQ must not be able to use them.
const SECRET_FIELDS = new Set(['token', 'secret', 'password']);

function redact(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(redact);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, SECRET_FIELDS.has(k) ? '[redacted]' : redact(v)]));
}

const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);

export function createRabbitDeadLetterStore(broker: Broker): DeadLetterStore {
  return {
    async list(queue, limit) {
      const letters = await listDeadLetters(broker, queue, limit);
      return letters.map((l) => {
        const body = (l.body ?? {}) as Record<string, unknown>;
        return {
          messageId: l.messageId ?? null,
          eventId: str(body.id),
          eventType: str(body.type),
          reason: l.reason ?? null,
          lastError: l.lastError ?? null,
          attempts: l.attempts ?? null,
          failedAt: l.failedAt ?? null,
          event: redact(l.body),
        };
      });
    },
    replay: (queue, eventId) => replayDeadLetters(broker, queue, eventId
      ? { match: (l) => l.messageId === eventId || (l.body as { id?: unknown } | null)?.id === eventId }
      : {}),
  };
}
