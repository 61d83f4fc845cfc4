import type { Consumer, ConsumerIndex, JwtSecret, KeyAuthCredential } from './model.ts';

/** The lookups the auth plugins make on every request, as Maps built once at load. */
export function buildConsumerIndex(
  consumers: Consumer[],
  jwtSecrets: JwtSecret[],
  keyAuths: KeyAuthCredential[],
  acls: { consumerId: string; group: string }[],
): ConsumerIndex {
  const byId = new Map(consumers.map((c) => [c.id, c]));
  const byUsername = new Map(consumers.filter((c) => c.username !== undefined).map((c) => [c.username as string, c]));
  const jwtByKey = new Map(jwtSecrets.map((s) => [s.key, s]));
  const keyAuthByKey = new Map(keyAuths.map((k) => [k.key, k]));
  const groups = new Map<string, string[]>();
  for (const { consumerId, group } of acls) groups.set(consumerId, [...(groups.get(consumerId) ?? []), group]);
  const none: string[] = [];
  return {
    byId: (id) => byId.get(id),
    byIdOrUsername: (ref) => byId.get(ref) ?? byUsername.get(ref),
    jwtSecretByKey: (key) => jwtByKey.get(key),
    keyAuthByKey: (key) => keyAuthByKey.get(key),
    aclGroups: (consumerId) => groups.get(consumerId) ?? none,
  };
}
