// Kong's trusted_ips: only a client (a proxy in front of the gateway) whose address is in the list
// may set X-Forwarded-* and have them believed; from anyone else they are replaced.
import { BlockList, isIP } from 'node:net';

export type TrustedIps = {
  /** The list as configured, for /status and logs. */
  readonly entries: readonly string[];
  has(ip: string): boolean;
};

/** IPv4-mapped IPv6 (`::ffff:10.0.0.1`, what dual-stack sockets report) as the plain IPv4 address. */
export const normalizeIp = (ip: string): string => (ip.startsWith('::ffff:') && ip.includes('.') ? ip.slice(7) : ip);

/** "10.0.0.0/8, 192.168.1.7, ::1" → matcher; throws naming the first bad entry. */
export function parseCidrList(value: string): TrustedIps {
  const entries = value.split(',').map((s) => s.trim()).filter(Boolean);
  const list = new BlockList();
  for (const entry of entries) {
    const [address = '', bits] = entry.split('/');
    const family = isIP(address);
    if (family === 0) throw new Error(`"${entry}" is not an IP address or CIDR`);
    const type = family === 4 ? 'ipv4' : 'ipv6';
    if (bits === undefined) {
      list.addAddress(address, type);
      continue;
    }
    const prefix = Number(bits);
    if (!/^\d+$/.test(bits) || prefix > (family === 4 ? 32 : 128)) throw new Error(`"${entry}" has a bad prefix length`);
    list.addSubnet(address, prefix, type);
  }
  const empty = entries.length === 0;
  return {
    entries,
    has(ip) {
      if (empty) return false;
      const plain = normalizeIp(ip);
      const family = isIP(plain);
      return family !== 0 && list.check(plain, family === 4 ? 'ipv4' : 'ipv6');
    },
  };
}
