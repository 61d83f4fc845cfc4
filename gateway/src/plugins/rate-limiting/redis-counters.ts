// Policy `redis` (sync_rate -1): Kong's key layout and semantics (rate-limiting/policies/init.lua).
// Kong INCRs each window's key while reading it (so a refused request counts too), sets the TTL
// when the key is new, and uses the value before the increment as the usage. One script does all
// windows of a request in a single round trip (EVALSHA, loaded on first use by ioredis).
import type { Redis } from 'ioredis';
import { EXPIRATION } from './windows.ts';
import type { Window } from './verdict.ts';

const COMMAND = 'kongRateLimitingUsage';
const SCRIPT = `
local usage = {}
for i = 1, #KEYS do
  local value = redis.call('incr', KEYS[i])
  if value == 1 then redis.call('expire', KEYS[i], ARGV[i]) end
  usage[i] = value - 1
end
return usage`;

/** Kong's conf.route_id / conf.service_id when the plugin is not attached to one. */
export const EMPTY_UUID = '00000000-0000-0000-0000-000000000000';

type WithUsageCommand = Redis & { [COMMAND](...args: (string | number)[]): Promise<number[]> };

export type RedisCounters = {
  /** Counts this request in every window and returns the usage before it (starts[i] = window start). */
  incrementAndRead(identifier: string, starts: readonly number[]): Promise<number[]>;
};

export function createRedisCounters(
  redis: Redis,
  windows: readonly Window[],
  scope: { routeId?: string; serviceId?: string },
): RedisCounters {
  redis.defineCommand(COMMAND, { lua: SCRIPT });
  const client = redis as WithUsageCommand;
  // Kong: ratelimit:<route_id>:<service_id>:<identifier>:<period_date>:<period>, ids of the plugin's scope.
  const prefix = `ratelimit:${scope.routeId ?? EMPTY_UUID}:${scope.serviceId ?? EMPTY_UUID}:`;
  const ttls = windows.map((w) => EXPIRATION[w.period]);
  const count = windows.length;
  return {
    incrementAndRead(identifier, starts) {
      const args: (string | number)[] = [count];
      for (let i = 0; i < count; i++) args.push(`${prefix}${identifier}:${starts[i]}:${windows[i]!.period}`);
      for (let i = 0; i < count; i++) args.push(ttls[i]!);
      return client[COMMAND](...args);
    },
  };
}
