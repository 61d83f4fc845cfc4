// Kong's rate-limiting plugin (3.10): fixed windows from a second to a year, counted per consumer,
// credential, IP, header, path or service, in this process (`local`) or in Redis (`redis`).
// Headers, messages and the fault-tolerant behaviour follow kong/plugins/rate-limiting/handler.lua.
import type { Logger } from '@platform/shared/logger';
import { GatewayError, type PluginDefinition, type RequestContext } from './plugin.ts';
import { rateLimitingSchema, type RateLimitingConfig } from './rate-limiting/config-schema.ts';
import { createIdentify } from './rate-limiting/identifier.ts';
import { createLocalCounters } from './rate-limiting/local-counters.ts';
import { createRedisCounters } from './rate-limiting/redis-counters.ts';
import { findStop, writeHeaders, type Window } from './rate-limiting/verdict.ts';
import { PERIODS, periodStart } from './rate-limiting/windows.ts';

const LOG_EVERY_MS = 10_000;

function windowsOf(config: RateLimitingConfig): Window[] {
  const windows: Window[] = [];
  for (const period of PERIODS) {
    const limit = config[period];
    if (limit !== undefined) windows.push({ period, limit });
  }
  return windows;
}

/** While Redis is down every request fails the same way: one log line per interval, not one per request. */
function throttledErrorLog(logger: Logger): (err: unknown) => void {
  let lastAt = 0;
  let suppressed = 0;
  return (err) => {
    const now = Date.now();
    if (now - lastAt < LOG_EVERY_MS) {
      suppressed += 1;
      return;
    }
    logger.error('rate-limiting: failed to get usage', { err, suppressed });
    lastAt = now;
    suppressed = 0;
  };
}

export const rateLimitingPlugin: PluginDefinition<typeof rateLimitingSchema> = {
  name: 'rate-limiting',
  priority: 910,
  schema: rateLimitingSchema,
  create(config, env, plugin) {
    const windows = windowsOf(config);
    const identify = createIdentify(config);
    const hideHeaders = config.hide_client_headers;

    // Kong: the usage is checked first; a used-up window answers error_code/error_message with the
    // headers and Retry-After, otherwise the headers go on whatever response the request gets.
    const apply = (ctx: RequestContext, usage: readonly number[], starts: readonly number[], nowMs: number): void => {
      const stop = findStop(windows, usage);
      if (stop !== undefined) {
        if (hideHeaders) throw new GatewayError(config.error_code, config.error_message, { code: 'RATE_429' });
        const headers: Record<string, string> = {};
        headers['Retry-After'] = String(writeHeaders(windows, usage, starts, nowMs, stop, headers));
        throw new GatewayError(config.error_code, config.error_message, { code: 'RATE_429', headers });
      }
      if (!hideHeaders) writeHeaders(windows, usage, starts, nowMs, undefined, ctx.responseHeaders);
    };

    if (config.policy === 'local') {
      const counters = createLocalCounters(windows);
      // access is synchronous, so one pair of arrays serves every request.
      const usage = windows.map(() => 0);
      const starts = windows.map(() => 0);
      return {
        access(ctx) {
          const identifier = identify(ctx);
          const nowMs = Date.now();
          counters.read(identifier, nowMs, usage, starts);
          apply(ctx, usage, starts, nowMs);
          counters.increment(identifier);
        },
      };
    }

    if (!env.redis) {
      throw new Error("rate-limiting: policy 'redis' needs the gateway's REDIS_URL (none is configured)");
    }
    const counters = createRedisCounters(env.redis, windows, plugin);
    const logError = throttledErrorLog(env.logger);
    return {
      async access(ctx) {
        const identifier = identify(ctx);
        const nowMs = Date.now();
        const starts = windows.map((w) => periodStart(w.period, nowMs));
        let usage: number[];
        try {
          usage = await counters.incrementAndRead(identifier, starts);
        } catch (err) {
          logError(err);
          // Kong: fault_tolerant lets the request through without rate-limit headers; otherwise the
          // error surfaces as Kong's generic 500.
          if (!config.fault_tolerant) throw new GatewayError(500, 'An unexpected error occurred', { code: 'SYS_001' });
          return;
        }
        apply(ctx, usage, starts, nowMs);
      },
    };
  },
};
