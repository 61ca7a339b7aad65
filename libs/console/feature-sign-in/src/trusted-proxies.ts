import { BlockList, isIP } from 'node:net';

const MAPPED_IPV4 = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i;

/** `::ffff:10.0.0.1` (an IPv4 peer on a dual-stack socket) is `10.0.0.1`. */
function normalizeAddress(address: string): string {
  const mapped = MAPPED_IPV4.exec(address);
  return mapped ? mapped[1] : address;
}

function familyOf(address: string): 'ipv4' | 'ipv6' | undefined {
  const family = isIP(address);
  if (family === 4) return 'ipv4';
  if (family === 6) return 'ipv6';
  return undefined;
}

/**
 * The reverse proxies allowed to say who the client is (`STACKYARD_TRUSTED_PROXIES`: addresses
 * and CIDR ranges, comma-separated). `X-Forwarded-For` from anyone else is ignored: a browser can
 * write anything there, and the source address feeds identity's sign-in throttling and audit.
 */
export class TrustedProxies {
  private constructor(
    private readonly list: BlockList,
    readonly entries: string[],
  ) {}

  static none(): TrustedProxies {
    return new TrustedProxies(new BlockList(), []);
  }

  /** What is wrong with a setting's value, one message per bad entry. */
  static problems(setting: string): string[] {
    return TrustedProxies.split(setting)
      .filter((entry) => TrustedProxies.parseEntry(entry) === undefined)
      .map((entry) => `'${entry}' is neither an IP address nor a CIDR range (e.g. 10.0.0.0/8, fd00::/8)`);
  }

  static parse(setting: string): TrustedProxies {
    const problems = TrustedProxies.problems(setting);
    if (problems.length > 0) throw new Error(`trusted proxies: ${problems.join('; ')}`);
    const list = new BlockList();
    const entries = TrustedProxies.split(setting);
    for (const entry of entries) {
      const parsed = TrustedProxies.parseEntry(entry)!;
      if (parsed.prefix === undefined) list.addAddress(parsed.address, parsed.family);
      else list.addSubnet(parsed.address, parsed.prefix, parsed.family);
    }
    return new TrustedProxies(list, entries);
  }

  private static split(setting: string): string[] {
    return setting
      .split(',')
      .map((entry) => entry.trim())
      .filter((entry) => entry.length > 0);
  }

  private static parseEntry(entry: string): { address: string; family: 'ipv4' | 'ipv6'; prefix?: number } | undefined {
    const [rawAddress, rawPrefix, extra] = entry.split('/');
    if (extra !== undefined) return undefined;
    const address = normalizeAddress(rawAddress);
    const family = familyOf(address);
    if (!family) return undefined;
    if (rawPrefix === undefined) return { address, family };
    if (!/^[0-9]{1,3}$/.test(rawPrefix) || Number(rawPrefix) > (family === 'ipv4' ? 32 : 128)) return undefined;
    return { address, family, prefix: Number(rawPrefix) };
  }

  isTrusted(address: string): boolean {
    const normalized = normalizeAddress(address);
    const family = familyOf(normalized);
    return family !== undefined && this.list.check(normalized, family);
  }

  /**
   * The client's address: the socket peer, unless that is a trusted proxy; then `X-Forwarded-For`
   * is read from the right (each proxy appends the address it saw) past further trusted proxies,
   * and the first address no trusted proxy vouches for is the client. An entry that is not an IP
   * address ends the walk at the proxy that passed it on.
   */
  clientAddress(peer: string | undefined, forwardedFor: string | string[] | undefined): string {
    let client = normalizeAddress(peer ?? '');
    if (!this.isTrusted(client) || forwardedFor === undefined) return client;
    const hops = (Array.isArray(forwardedFor) ? forwardedFor.join(',') : forwardedFor)
      .split(',')
      .map((hop) => hop.trim())
      .filter((hop) => hop.length > 0);
    for (let i = hops.length - 1; i >= 0; i--) {
      const hop = normalizeAddress(hops[i]);
      if (familyOf(hop) === undefined) return client;
      client = hop;
      if (!this.isTrusted(hop)) return client;
    }
    return client;
  }
}
