import { z } from 'zod';
import { urlOf } from '@platform/shared/config';
import { ProviderError, type ProviderAdapter, type SourcePage } from '../../usecases/provider-port.ts';
import { getJson, nextLink, sameOrigin } from './http-source.ts';
import { parseWith } from './settings-schema.ts';

const settingsSchema = z
  .object({
    /** The Canvas instance, e.g. https://school.instructure.com */
    base_url: urlOf(['http:', 'https:']),
    /** The account whose users are imported ("self" is the token owner's root account). */
    account_id: z.union([z.string().regex(/^(self|\d{1,20}|sis_account_id:[\w.-]{1,100})$/), z.number().int().positive()]).default('self'),
    /** Which Canvas field is our external id: the Canvas user id, or the SIS id. */
    id_field: z.enum(['id', 'sis_user_id']).default('id'),
    /** Canvas's search_term filter (2+ characters), e.g. a domain. */
    search_term: z.string().min(2).max(100).optional(),
  })
  .strict();

type Settings = z.infer<typeof settingsSchema>;
type CanvasUser = { id?: number | string; name?: string; sortable_name?: string; short_name?: string; sis_user_id?: string | null; login_id?: string; email?: string | null; locale?: string | null; time_zone?: string | null };

/** "Last, First" (Canvas's sortable_name) into its parts. */
function splitSortable(sortable: string | undefined): { first: string | null; last: string | null } {
  if (!sortable?.includes(',')) return { first: null, last: null };
  const [last, first] = sortable.split(',', 2).map((s) => s.trim());
  return { first: first || null, last: last || null };
}

const looksLikeEmail = (v: unknown): v is string => typeof v === 'string' && v.includes('@');

/**
 * Canvas LMS: GET /api/v1/accounts/:account_id/users with a bearer token, pages followed through the
 * Link header (rel="next"), on the Canvas host only.
 */
export function createCanvasProvider(): ProviderAdapter {
  return {
    name: 'canvas',
    secretFields: ['token'],
    parseSettings: (settings) => parseWith(settingsSchema, settings),
    open(ctx) {
      const s = ctx.settings as Settings;
      if (!ctx.secrets.token) throw new ProviderError('The Canvas connection has no token secret', { retryable: false });
      const headers = { authorization: `Bearer ${ctx.secrets.token}` };
      const first = () => {
        const url = new URL(`/api/v1/accounts/${encodeURIComponent(String(s.account_id)).replace('%3A', ':')}/users`, s.base_url);
        url.searchParams.set('per_page', String(Math.min(ctx.pageSize, 100)));
        url.searchParams.append('include[]', 'email');
        if (s.search_term) url.searchParams.set('search_term', s.search_term);
        return url.toString();
      };
      return {
        async fetchPage(position): Promise<SourcePage> {
          if (position !== null && !sameOrigin(position, s.base_url)) {
            throw new ProviderError('Canvas pointed the next page to another origin', { retryable: false });
          }
          const answer = await getJson(position ?? first(), { headers, timeoutMs: ctx.timeoutMs, ...(ctx.signal && { signal: ctx.signal }) });
          if (!Array.isArray(answer.body)) throw new ProviderError('Canvas answered without a list of users', { retryable: false });
          const next = answer.body.length > 0 ? nextLink(answer.headers.get('link'), answer.url) : null;
          return { records: answer.body, next };
        },
        mapRecord(record) {
          const u = (record ?? {}) as CanvasUser;
          const { first, last } = splitSortable(u.sortable_name);
          return {
            external_id: s.id_field === 'sis_user_id' ? u.sis_user_id : u.id,
            email: u.email ?? (looksLikeEmail(u.login_id) ? u.login_id : null),
            display_name: u.name ?? u.short_name,
            first_name: first,
            last_name: last,
            locale: u.locale,
            timezone: u.time_zone,
          };
        },
      };
    },
  };
}
