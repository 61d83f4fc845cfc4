import { randomUUID } from 'node:crypto';
import { z } from 'zod';

/** What travels on the bus (guide §8). JSON is snake_case, like every other edge. */
export type EventEnvelope<Data = unknown, Type extends string = string> = {
  id: string;
  type: Type;
  version: number;
  occurred_at: string;
  source: string;
  subject?: string;
  data: Data;
};

export type EventMeta = {
  /** The producing service, e.g. 'auth'. */
  source: string;
  /** What the event is about, e.g. the user id; lets consumers filter without reading data. */
  subject?: string;
  /** Set only to re-emit an event under a known id; a new uuid otherwise. */
  id?: string;
  occurredAt?: Date;
};

export type EventDefinition<Type extends string = string, Schema extends z.ZodType = z.ZodType> = {
  readonly type: Type;
  readonly version: number;
  /** The schema of `data`. */
  readonly schema: Schema;
  /** A new envelope around validated data; throws EventSchemaError on bad data. */
  create(data: z.input<Schema>, meta: EventMeta): EventEnvelope<z.output<Schema>, Type>;
  /** Validates a whole envelope (id, type, version, data); throws EventSchemaError. */
  parse(envelope: unknown): EventEnvelope<z.output<Schema>, Type>;
  safeParse(envelope: unknown): { success: true; data: EventEnvelope<z.output<Schema>, Type> } | { success: false; error: EventSchemaError };
};

/** The envelope type of a definition: `EventOf<typeof userRegistered>`. */
export type EventOf<D> = D extends EventDefinition<infer T, infer S> ? EventEnvelope<z.output<S>, T> : never;
/** The data type of a definition: `EventData<typeof userRegistered>`. */
export type EventData<D> = D extends EventDefinition<string, infer S> ? z.output<S> : never;

/**
 * An event that does not match its catalog schema. A plain Error (not an AppError): on the
 * producer side it is a bug and must surface as SYS_001, never as a client's VAL_* error.
 */
export class EventSchemaError extends Error {
  override readonly name = 'EventSchemaError';
  readonly issues: { path: string; message: string }[];
  constructor(type: string, error: z.ZodError) {
    const issues = error.issues.map((i) => ({ path: i.path.join('.'), message: i.message }));
    super(`Invalid ${type} event: ${issues.map((i) => `${i.path || '(root)'}: ${i.message}`).join('; ')}`, { cause: error });
    this.issues = issues;
  }
}

export function defineEvent<const Type extends string, Schema extends z.ZodType>(
  def: { type: Type; version: number; data: Schema },
): EventDefinition<Type, Schema> {
  const { type, version, data: schema } = def;
  const envelopeSchema = z.object({
    id: z.uuid(),
    type: z.literal(type),
    version: z.literal(version),
    occurred_at: z.iso.datetime({ offset: true }),
    source: z.string().min(1),
    subject: z.string().min(1).optional(),
    data: schema,
  });
  type Envelope = EventEnvelope<z.output<Schema>, Type>;

  const safeParse: EventDefinition<Type, Schema>['safeParse'] = (envelope) => {
    const result = envelopeSchema.safeParse(envelope);
    return result.success
      ? { success: true, data: result.data as Envelope }
      : { success: false, error: new EventSchemaError(type, result.error) };
  };

  return {
    type,
    version,
    schema,
    create(data, meta) {
      const result = schema.safeParse(data);
      if (!result.success) throw new EventSchemaError(type, result.error);
      if (!meta.source) throw new Error(`Event ${type} needs a source (the producing service)`);
      const envelope: Envelope = {
        id: meta.id ?? randomUUID(),
        type,
        version,
        occurred_at: (meta.occurredAt ?? new Date()).toISOString(),
        source: meta.source,
        ...(meta.subject !== undefined && { subject: meta.subject }),
        data: result.data,
      };
      return envelope;
    },
    parse(envelope) {
      const result = safeParse(envelope);
      if (!result.success) throw result.error;
      return result.data;
    },
    safeParse,
  };
}
