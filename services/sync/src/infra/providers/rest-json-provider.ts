import { z } from 'zod';
import { urlOf } from '@platform/shared/config';
import { USER_FIELDS } from '../../domain/imported-user.ts';
import { ProviderError, type ProviderAdapter, type SourcePage } from '../../usecases/provider-port.ts';
import { atPath, getJson, nextLink, sameOrigin } from './http-source.ts';
import { parseWith } from './settings-schema.ts';

const param = z.string().min(1).max(100);
const path = z.string().max(200);

const pagination = z.discriminatedUnion('type', [
  z.object({ type: z.literal('none') }).strict(),
  /** ?page=N (from start) with ?size_param=page size; a short page ends the source. */
  z.object({ type: z.literal('page'), param: param.default('page'), size_param: param.default('per_page'), start: z.number().int().min(0).default(1) }).strict(),
  /** ?offset=N&limit=page size. */
  z.object({ type: z.literal('offset'), param: param.default('offset'), size_param: param.default('limit') }).strict(),
  /** ?cursor=<token from the previous answer at next_path>; no token ends the source. */
  z.object({ type: z.literal('cursor'), param: param.default('cursor'), next_path: path.min(1), size_param: param.optional() }).strict(),
  /** The Link header's rel="next" URL (same origin only). */
  z.object({ type: z.literal('link'), size_param: param.optional() }).strict(),
]);

const mapping = z
  .object(Object.fromEntries(USER_FIELDS.map((f) => [f, path.min(1).optional()])) as Record<(typeof USER_FIELDS)[number], z.ZodOptional<z.ZodString>>)
  .strict()
  .refine((m) => m.external_id && m.email, { message: 'external_id and email must be mapped' });

const settingsSchema = z
  .object({
    url: urlOf(['http:', 'https:']),
    /** The header the auth_value secret is sent in. */
    auth_header: z.string().regex(/^[A-Za-z0-9-]{1,100}$/).default('authorization'),
    /** Dot path of the records array in an answer; '' when the answer is the array. */
    records_path: path.default(''),
    pagination: pagination.default({ type: 'none' }),
    /** Static query parameters. */
    query: z.record(z.string().min(1).max(100), z.string().max(500)).default({}),
    /** Incremental runs send the last watermark as ?param= and read the next one from each record's field. */
    incremental: z.object({ param: param, field: path.min(1) }).strict().optional(),
    mapping,
  })
  .strict();

type Settings = z.infer<typeof settingsSchema>;

/** Any JSON API: where the records are, how it pages, which fields are ours. */
export function createRestJsonProvider(): ProviderAdapter {
  return {
    name: 'rest-json',
    secretFields: ['auth_value'],
    parseSettings: (settings) => parseWith(settingsSchema, settings),
    open(ctx) {
      const s = ctx.settings as Settings;
      const headers: Record<string, string> = ctx.secrets.auth_value ? { [s.auth_header]: ctx.secrets.auth_value } : {};
      const p = s.pagination;

      const firstUrl = (since: string | null) => {
        const url = new URL(s.url);
        for (const [k, v] of Object.entries(s.query)) url.searchParams.set(k, v);
        if (since !== null && s.incremental) url.searchParams.set(s.incremental.param, since);
        if ('size_param' in p && p.size_param) url.searchParams.set(p.size_param, String(ctx.pageSize));
        return url;
      };

      return {
        async fetchPage(position, since): Promise<SourcePage> {
          let url: URL;
          if (p.type === 'link' && position !== null) {
            if (!sameOrigin(position, s.url)) throw new ProviderError('The source pointed the next page to another origin', { retryable: false });
            url = new URL(position);
          } else {
            url = firstUrl(since);
            if (p.type === 'page') url.searchParams.set(p.param, position ?? String(p.start));
            if (p.type === 'offset') url.searchParams.set(p.param, position ?? '0');
            if (p.type === 'cursor' && position !== null) url.searchParams.set(p.param, position);
          }
          const answer = await getJson(url.toString(), { headers, timeoutMs: ctx.timeoutMs, ...(ctx.signal && { signal: ctx.signal }) });
          const records = atPath(answer.body, s.records_path);
          if (!Array.isArray(records)) throw new ProviderError(`No records array at "${s.records_path}" in the answer`, { retryable: false });
          let next: string | null = null;
          if (records.length > 0) {
            switch (p.type) {
              case 'page': next = records.length < ctx.pageSize ? null : String(Number(position ?? p.start) + 1); break;
              case 'offset': next = records.length < ctx.pageSize ? null : String(Number(position ?? 0) + records.length); break;
              case 'cursor': {
                const token = atPath(answer.body, p.next_path);
                next = typeof token === 'string' && token !== '' ? token : typeof token === 'number' ? String(token) : null;
                break;
              }
              case 'link': next = nextLink(answer.headers.get('link'), answer.url); break;
              default: next = null;
            }
          }
          return { records, next };
        },
        mapRecord(record) {
          const out: Record<string, unknown> = {};
          for (const [field, from] of Object.entries(s.mapping)) if (from) out[field] = atPath(record, from);
          return out;
        },
        watermark(record) {
          if (!s.incremental) return null;
          const v = atPath(record, s.incremental.field);
          return typeof v === 'string' || typeof v === 'number' ? String(v) : null;
        },
      };
    },
  };
}
