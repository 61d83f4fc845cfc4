import { Readable } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { parse } from 'csv-parse';
import { z } from 'zod';
import { isAppError } from '@platform/shared/errors';
import type { ServiceClient } from '@platform/shared/service-client';
import { USER_FIELDS } from '../../domain/imported-user.ts';
import { ProviderError, type ProviderAdapter, type SourcePage } from '../../usecases/provider-port.ts';
import { parseWith } from './settings-schema.ts';

const column = z.string().min(1).max(200);

const settingsSchema = z
  .object({
    /** A file already uploaded to the file service. */
    file_id: z.uuid(),
    delimiter: z.string().min(1).max(4).default(','),
    /** Our field → the CSV column (by header name). */
    mapping: z
      .object(Object.fromEntries(USER_FIELDS.map((f) => [f, column.optional()])) as Record<(typeof USER_FIELDS)[number], z.ZodOptional<z.ZodString>>)
      .strict()
      .refine((m) => m.external_id && m.email, { message: 'external_id and email must be mapped' }),
  })
  .strict();

type Settings = z.infer<typeof settingsSchema>;

type Reader = { position: number; rows: AsyncIterator<Record<string, string>>; abort: AbortController };

/**
 * A CSV file in the file service, read through its internal API (the breaker client) and parsed as
 * a stream: pages are slices of the rows, the position is the number of rows already read. Reading
 * on from where the last page ended keeps one download open for the whole run; another position
 * (a resumed job) starts a fresh download and skips to it.
 */
export function createCsvProvider(fileApi: ServiceClient): ProviderAdapter {
  return {
    name: 'csv',
    secretFields: [],
    parseSettings: (settings) => parseWith(settingsSchema, settings),
    open(ctx) {
      const s = ctx.settings as Settings;
      let reader: Reader | undefined;

      async function openReader(): Promise<Reader> {
        reader?.abort.abort();
        const abort = new AbortController();
        const signal = ctx.signal ? AbortSignal.any([abort.signal, ctx.signal]) : abort.signal;
        let answer;
        try {
          answer = await fileApi.stream(`/api/v1/internal/files/${s.file_id}/content`, { timeoutMs: ctx.timeoutMs, signal });
        } catch (err) {
          if (isAppError(err) && err.status === 404) throw new ProviderError('The CSV file does not exist in the file service', { retryable: false, cause: err });
          if (isAppError(err) && err.status < 500) throw new ProviderError(`The file service refused the CSV file (${err.code})`, { retryable: false, cause: err });
          throw new ProviderError('The file service is unavailable', { retryable: true, cause: err });
        }
        const parser = Readable.fromWeb(answer.body as WebReadableStream<Uint8Array>, { signal }).pipe(parse({
          columns: (header: string[]) => header.map((h) => h.trim()),
          delimiter: s.delimiter,
          bom: true,
          trim: true,
          skip_empty_lines: true,
          relax_column_count: true,
        }));
        return { position: 0, rows: parser[Symbol.asyncIterator]() as AsyncIterator<Record<string, string>>, abort };
      }

      return {
        async fetchPage(position): Promise<SourcePage> {
          const start = Number(position ?? 0);
          if (!reader || reader.position > start) reader = await openReader();
          const records: unknown[] = [];
          try {
            while (reader.position < start) {
              const r = await reader.rows.next();
              if (r.done) return { records: [], next: null };
              reader.position++;
            }
            while (records.length < ctx.pageSize) {
              const r = await reader.rows.next();
              if (r.done) {
                reader = undefined;
                return { records, next: null };
              }
              reader.position++;
              records.push(r.value);
            }
          } catch (err) {
            reader?.abort.abort();
            reader = undefined;
            if (err instanceof ProviderError) throw err;
            const code = (err as { code?: string }).code;
            // csv-parse's own errors mean a malformed file; anything else is the download breaking off.
            if (typeof code === 'string' && code.startsWith('CSV_')) throw new ProviderError(`The CSV file is malformed: ${(err as Error).message}`, { retryable: false });
            throw new ProviderError('The CSV download broke off', { retryable: true, cause: err });
          }
          return { records, next: String(start + records.length) };
        },
        mapRecord(record) {
          const row = record as Record<string, string>;
          const out: Record<string, unknown> = {};
          for (const [field, col] of Object.entries(s.mapping)) if (col) out[field] = row[col];
          return out;
        },
      };
    },
  };
}
