// Kong's acl plugin (3.10): allow or deny by the authenticated consumer's ACL groups, and tell the
// upstream the groups in X-Consumer-Groups. No consumer (or an anonymous one without groups facing an
// allow list) is 401 "Unauthorized"; a consumer outside the allowed groups (or inside a denied one)
// is 403 "You cannot consume this service".
// No plugin of this gateway sets Kong's "authenticated groups" (ldap-auth, oauth2, …), so the
// consumer's own groups are always the ones checked and always_use_authenticated_groups changes nothing.
import { z } from 'zod';
import { GatewayError, type PluginDefinition } from './plugin.ts';

const groups = z.array(z.string().min(1)).nullish();

export const aclSchema = z
  .strictObject({
    allow: groups,
    deny: groups,
    hide_groups_header: z.boolean().default(false),
    always_use_authenticated_groups: z.boolean().default(false),
    include_consumer_groups: z
      .literal(false, { message: 'consumer groups are not supported by this gateway' })
      .default(false),
  })
  .superRefine((config, issues) => {
    const allow = (config.allow?.length ?? 0) > 0;
    const deny = (config.deny?.length ?? 0) > 0;
    if (allow === deny) {
      issues.addIssue({ code: 'custom', path: ['allow'], message: 'exactly one of these fields must be non-empty: allow, deny' });
    }
  });

export type AclConfig = z.infer<typeof aclSchema>;

const CONSUMER_GROUPS = 'x-consumer-groups';
const AUTHENTICATED_GROUPS = 'x-authenticated-groups';
const FORBIDDEN = 'You cannot consume this service';
const BLOCKED = Symbol('blocked');
const NO_GROUPS = Symbol('no groups');

export const aclPlugin: PluginDefinition<typeof aclSchema> = {
  name: 'acl',
  priority: 950,
  schema: aclSchema,
  create(config, env) {
    const deny = (config.deny?.length ?? 0) > 0;
    const listed = new Set(deny ? config.deny : config.allow);
    // Per consumer: BLOCKED, NO_GROUPS, or the X-Consumer-Groups value (groups are fixed at load).
    const decisions = new Map<string, string | typeof BLOCKED | typeof NO_GROUPS>();

    const decide = (consumerId: string) => {
      let decision = decisions.get(consumerId);
      if (decision === undefined) {
        const mine = env.consumers.aclGroups(consumerId);
        const inGroup = mine.some((g) => listed.has(g));
        // Kong: a consumer without groups passes a deny list (with an empty header) but not an allow list.
        if (mine.length === 0 && !deny) decision = NO_GROUPS;
        else decision = (deny ? inGroup : !inGroup) ? BLOCKED : mine.join(', ');
        decisions.set(consumerId, decision);
      }
      return decision;
    };

    return {
      access(ctx) {
        const headers = ctx.upstream.headers;
        // Only a plugin may set these; a client sending them must not reach the upstream.
        delete headers[AUTHENTICATED_GROUPS];
        const decision = ctx.consumer ? decide(ctx.consumer.id) : NO_GROUPS;
        if (decision === NO_GROUPS) {
          // Anonymous or unauthenticated: 401; authenticated but groupless: 403 (Kong's wording for each).
          if (ctx.credential) throw new GatewayError(403, FORBIDDEN, { code: 'AUTH_003' });
          throw new GatewayError(401, 'Unauthorized', { code: 'AUTH_001' });
        }
        if (decision === BLOCKED) throw new GatewayError(403, FORBIDDEN, { code: 'AUTH_003' });
        // Kong leaves a client-sent X-Consumer-Groups alone when hiding; an upstream could trust it.
        if (config.hide_groups_header) delete headers[CONSUMER_GROUPS];
        else headers[CONSUMER_GROUPS] = decision;
      },
    };
  },
};
