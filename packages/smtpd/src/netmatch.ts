/*
 * netmatch - Postfix's host/address lists (namadr_list) for mynetworks,
 * smtpd_client_event_limit_exceptions and smtpd_forbid_bare_newline_exclusions:
 *   192.0.2.0/24, 192.0.2.7, [2001:db8::]/32, [::1]     networks and addresses
 *   example.com, .example.com                          client hostnames (and subdomains:
 *                                                      `example.com` matches them when the
 *                                                      list is in parent_domain_matches_subdomains)
 *   type:table                                         client name or address as key
 *   !pattern                                           an exception: stop, no match
 * Entries are tried in order; the first that matches decides. `/file/name` entries are
 * read by the config loader. Used by services.ts and limits.ts.
 */
import net from 'node:net';
import { clientAddressSearchKeys, domainSearchKeys, lookupKeys, type LookupTable } from '@mailroom/global';

type Entry =
  | { neg: boolean; kind: 'net'; block: net.BlockList }
  | { neg: boolean; kind: 'name'; name: string }
  | { neg: boolean; kind: 'table'; spec: string };

/** plainAddress - an IPv4-mapped IPv6 address as IPv4; others unchanged. */
export function plainAddress(addr: string): string {
  return /^::ffff:\d+\.\d+\.\d+\.\d+$/i.test(addr) ? addr.slice(7) : addr;
}

/** parseNetwork - `a.b.c.d[/n]` or `[v6][/n]` as a BlockList, or undefined. */
function parseNetwork(text: string): net.BlockList | undefined {
  const m = /^\[([^\]]+)\](?:\/(\d+))?$/.exec(text) ?? /^([0-9a-fA-F.:]+)(?:\/(\d+))?$/.exec(text);
  if (!m) return undefined;
  const addr = m[1] as string;
  const family = net.isIPv4(addr) ? 'ipv4' : net.isIPv6(addr) ? 'ipv6' : undefined;
  if (!family) return undefined;
  const bits = m[2] === undefined ? (family === 'ipv4' ? 32 : 128) : Number(m[2]);
  if (bits > (family === 'ipv4' ? 32 : 128)) return undefined;
  const block = new net.BlockList();
  block.addSubnet(addr, bits, family);
  return block;
}

export class NetMatcher {
  private readonly entries: Entry[] = [];
  /** Entries that are neither addresses, networks, names nor tables. */
  readonly errors: string[] = [];

  constructor(
    items: readonly string[],
    private readonly parentMatches: boolean,
    private readonly openTable: (spec: string) => LookupTable,
  ) {
    for (const raw of items) {
      const neg = raw.startsWith('!');
      const item = neg ? raw.slice(1) : raw;
      const block = parseNetwork(item);
      if (block) this.entries.push({ neg, kind: 'net', block });
      else if (/^[a-z0-9_-]+:\S/i.test(item)) this.entries.push({ neg, kind: 'table', spec: item });
      else if (/^\.?[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*\.?$/.test(item)) this.entries.push({ neg, kind: 'name', name: item.toLowerCase().replace(/\.$/, '') });
      else this.errors.push(item);
    }
  }

  get empty(): boolean {
    return this.entries.length === 0;
  }

  /** matches - does the client (hostname or `unknown`, address) match the list? */
  async matches(name: string, addr: string): Promise<boolean> {
    const host = name.toLowerCase();
    const ip = plainAddress(addr); // a dual-stack listener shows IPv4 clients as ::ffff:a.b.c.d
    for (const e of this.entries) {
      let hit: boolean;
      if (e.kind === 'net') hit = e.block.check(ip, net.isIPv6(ip) ? 'ipv6' : 'ipv4');
      else if (e.kind === 'name') hit = host !== 'unknown' && this.nameMatches(e.name, host);
      else hit = await this.tableMatches(e.spec, host, ip);
      if (hit) return !e.neg;
    }
    return false;
  }

  private nameMatches(pattern: string, host: string): boolean {
    if (pattern.startsWith('.')) return host.endsWith(pattern);
    return host === pattern || (this.parentMatches && host.endsWith(`.${pattern}`));
  }

  private async tableMatches(spec: string, host: string, addr: string): Promise<boolean> {
    const table = this.openTable(spec);
    if (host !== 'unknown' && (await lookupKeys(table, domainSearchKeys(host, this.parentMatches)))) return true;
    return (await lookupKeys(table, clientAddressSearchKeys(addr))) !== undefined;
  }
}
