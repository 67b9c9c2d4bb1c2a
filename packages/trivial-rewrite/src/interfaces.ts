/*
 * interfaces - the network addresses that make an address literal (`user@[192.0.2.1]`)
 * local: those of inet_interfaces (`all`: every interface of the machine;
 * `loopback-only`: 127.0.0.1 and ::1) and proxy_interfaces, limited by inet_protocols,
 * as Postfix's own_inet_addr()/proxy_inet_addr(). Host names in these lists are
 * looked up once at start. Also: address-literal syntax (valid_mailhost_literal).
 */
import dns from 'node:dns/promises';
import net from 'node:net';
import os from 'node:os';

/** canonicalIp - one spelling per address (IPv6 compressed, lower case); undefined if not an IP. */
export function canonicalIp(text: string): string | undefined {
  let a = text.trim();
  if (/^ipv6:/i.test(a)) a = a.slice(5);
  const kind = net.isIP(a);
  if (kind === 4) return a.split('.').map(Number).join('.');
  if (kind !== 6) return undefined;
  const host = new URL(`http://[${a}]/`).hostname; // the WHATWG parser canonicalises IPv6
  return host.slice(1, -1);
}

/** literalAddress - the IP address inside `[1.2.3.4]` or `[IPv6:...]`; undefined when not valid. */
export function literalAddress(domain: string): string | undefined {
  if (!domain.startsWith('[') || !domain.endsWith(']')) return undefined;
  const inner = domain.slice(1, -1);
  // Postfix wants `IPv6:` before an IPv6 address (RFC 5321) but also takes it bare.
  const bare = /^ipv6:/i.test(inner) ? inner.slice(5) : inner;
  return net.isIP(bare) !== 0 && (bare === inner ? true : net.isIPv6(bare)) ? canonicalIp(bare) : undefined;
}

/** Which address families inet_protocols allows. */
function families(protocols: readonly string[]): { v4: boolean; v6: boolean } {
  const all = protocols.length === 0 || protocols.includes('all');
  return { v4: all || protocols.includes('ipv4'), v6: all || protocols.includes('ipv6') };
}

export type HostLookup = (name: string) => Promise<string[]>;

const lookupHost: HostLookup = async (name) => (await dns.lookup(name, { all: true })).map((r) => r.address);

/** machineAddresses - every address of every interface of this machine. */
function machineAddresses(): string[] {
  return Object.values(os.networkInterfaces()).flatMap((list) => (list ?? []).map((i) => i.address));
}

/**
 * ownAddresses - the set of local addresses from inet_interfaces + proxy_interfaces.
 * Names that do not resolve are reported through `warn` and skipped.
 */
export async function ownAddresses(
  inetInterfaces: readonly string[],
  proxyInterfaces: readonly string[],
  protocols: readonly string[],
  warn: (msg: string) => void,
  lookup: HostLookup = lookupHost,
  machine: () => string[] = machineAddresses,
): Promise<Set<string>> {
  const fam = families(protocols);
  const found: string[] = [];
  for (const item of [...inetInterfaces, ...proxyInterfaces]) {
    const v = item.replace(/^\[|\]$/g, '');
    if (v === 'all') found.push(...machine());
    else if (v === 'loopback-only') found.push('127.0.0.1', '::1');
    else if (canonicalIp(v)) found.push(v);
    else {
      try {
        found.push(...(await lookup(v)));
      } catch (err) {
        warn(`inet_interfaces/proxy_interfaces: ${v}: host not found (${(err as Error).message})`);
      }
    }
  }
  const out = new Set<string>();
  for (const a of found) {
    const c = canonicalIp(a);
    if (c && (net.isIPv4(c) ? fam.v4 : fam.v6)) out.add(c);
  }
  return out;
}
