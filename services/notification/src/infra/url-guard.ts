import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { isIP, type LookupFunction } from 'node:net';
import { isPublicAddress } from '../domain/ip-ranges.ts';
import { WebhookTargetError } from '../domain/webhook-errors.ts';
import type { UrlChecker } from '../usecases/webhooks/ports.ts';

type Resolve = (hostname: string) => Promise<LookupAddress[]>;

const systemResolve: Resolve = (hostname) =>
  new Promise((resolve, reject) => dnsLookup(hostname, { all: true, verbatim: true }, (err, addresses) => (err ? reject(err) : resolve(addresses))));

export type UrlGuard = UrlChecker & {
  /**
   * A `lookup` for http.request that checks the addresses it connects to, so a name that resolved
   * to a public address at check time cannot be rebound to a private one for the connection.
   */
  connectLookup: LookupFunction;
};

const bare = (hostname: string) => hostname.replace(/^\[|\]$/g, '').toLowerCase();

/**
 * SSRF guard for webhook targets: only http(s) without credentials; every address the host resolves
 * to must be public unless `allowedHosts` names the host as written in the URL (a name, or a literal
 * IP). A resolved address is never matched against the list: a public name someone points at an
 * allowed internal IP stays refused.
 */
export function createUrlGuard({ allowedHosts, resolve = systemResolve }: { allowedHosts: readonly string[]; resolve?: Resolve }): UrlGuard {
  const allowed = new Set(allowedHosts.map(bare));

  async function checkHost(hostname: string): Promise<LookupAddress[]> {
    const host = bare(hostname);
    const family = isIP(host);
    const addresses = family ? [{ address: host, family }] : await resolve(host).catch(() => {
      throw new WebhookTargetError('unresolvable', 'host does not resolve');
    });
    if (addresses.length === 0) throw new WebhookTargetError('unresolvable', 'host does not resolve');
    if (allowed.has(host)) return addresses;
    for (const { address } of addresses) {
      if (!isPublicAddress(address)) {
        throw new WebhookTargetError('forbidden_address', 'must not point to a private, loopback, link-local or otherwise internal address');
      }
    }
    return addresses;
  }

  const connectLookup: LookupFunction = (hostname, options, callback) => {
    checkHost(hostname).then(
      (addresses) => {
        if (options.all) return callback(null, addresses);
        const pick = addresses.find((a) => !options.family || a.family === options.family) ?? addresses[0]!;
        callback(null, pick.address, pick.family);
      },
      (err: Error) => callback(Object.assign(err, { code: 'EWEBHOOKTARGET' }) as NodeJS.ErrnoException, '', 0),
    );
  };

  return {
    async check(url) {
      let parsed: URL;
      try { parsed = new URL(url); } catch { throw new WebhookTargetError('scheme', 'must be an absolute http or https URL'); }
      if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new WebhookTargetError('scheme', 'must be an http or https URL');
      if (parsed.username || parsed.password) throw new WebhookTargetError('credentials', 'must not contain a user name or password');
      await checkHost(parsed.hostname);
    },
    connectLookup,
  };
}
