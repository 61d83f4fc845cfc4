// Kong's request-size-limiting plugin (3.10, priority 951). A Content-Length above the limit is
// refused at once with 413 "Request size limit exceeded" (417 when the client sent
// Expect: 100-continue, as Kong does). A body without Content-Length is where this gateway differs
// from Kong: Kong reads such a body whole before checking it; here it keeps streaming and the proxy
// counts its bytes, stopping with the same 413 once the limit is passed (upstream.bodyLimit), so
// large chunked uploads are never held in memory.
import { z } from 'zod';
import { GatewayError, type PluginDefinition, type RequestContext } from './plugin.ts';

const UNIT_BYTES = { bytes: 1, kilobytes: 1024, megabytes: 1_048_576 } as const;

const schema = z.strictObject({
  allowed_payload_size: z.number().int().default(128),
  size_unit: z.enum(['megabytes', 'kilobytes', 'bytes']).default('megabytes'),
  require_content_length: z.boolean().default(false),
});

const LIMIT_EXCEEDED = 'Request size limit exceeded';

function expectsContinue(ctx: RequestContext): boolean {
  const expect = ctx.req.headers.expect;
  return typeof expect === 'string' && expect.trim().toLowerCase() === '100-continue';
}

const tooLarge = (ctx: RequestContext) =>
  new GatewayError(expectsContinue(ctx) ? 417 : 413, LIMIT_EXCEEDED, { code: 'REQ_413' });

export const requestSizeLimitingPlugin: PluginDefinition<typeof schema> = {
  name: 'request-size-limiting',
  priority: 951,
  schema,
  create(config) {
    const allowedBytes = config.allowed_payload_size * UNIT_BYTES[config.size_unit];
    return {
      access(ctx) {
        const headers = ctx.req.headers;
        const length = headers['content-length'];
        if (length !== undefined && length !== '' && !Number.isNaN(Number(length))) {
          if (Number(length) > allowedBytes) throw tooLarge(ctx);
          return;
        }
        const transferEncoding = headers['transfer-encoding'];
        // Kong compares the header with "chunked" exactly; anything else without a length is refused.
        if (config.require_content_length && transferEncoding !== 'chunked') {
          throw new GatewayError(411, 'A valid Content-Length header is required', { code: 'VAL_001' });
        }
        if (transferEncoding !== undefined) ctx.upstream.bodyLimit = { bytes: allowedBytes, error: tooLarge(ctx) };
      },
    };
  },
};
