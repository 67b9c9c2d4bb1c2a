/*
 * peer - the client's hostname, as Postfix's smtpd_peer: the name from /etc/hosts, else
 * the PTR record (the "reverse client name") confirmed by a forward lookup that gives the
 * client address back (the "client name"). When there is no name, or it does not confirm,
 * the name is `unknown`; a DNS failure is remembered as a temporary one, so that
 * reject_unknown_client_hostname defers instead of rejecting.
 * Reads: smtpd_peername_lookup (no: always `unknown`, without DNS traffic).
 */
import fs from 'node:fs';
import net from 'node:net';
import type { ClientFacts, DnsLookup, LookupStatus } from './restrictions/context.js';
import { isValidHostname } from './restrictions/builtin-names.js';

export type PeerName = Pick<ClientFacts, 'name' | 'reverseName' | 'nameStatus' | 'reverseStatus'>;

const UNKNOWN = 'unknown';

/** parseHosts - address to first hostname, from hosts(5) text. */
export function parseHosts(text: string): Map<string, string> {
  const map = new Map<string, string>();
  for (const line of text.split('\n')) {
    const [addr, name] = line.replace(/#.*/, '').trim().split(/\s+/);
    if (addr && name && net.isIP(addr) && !map.has(addr)) map.set(addr, name.toLowerCase());
  }
  return map;
}

let hosts: Map<string, string> | undefined;

/** hostsName - the /etc/hosts name of an address (read once per process). */
function hostsName(addr: string, file = '/etc/hosts'): string | undefined {
  if (!hosts) {
    try {
      hosts = parseHosts(fs.readFileSync(file, 'utf8'));
    } catch {
      hosts = new Map();
    }
  }
  return hosts.get(addr);
}

/** sameAddress - equal IP addresses, whatever their spelling (IPv6 zero compression, case). */
function sameAddress(a: string, b: string): boolean {
  if (a === b) return true;
  if (!net.isIPv6(a) || !net.isIPv6(b)) return false;
  const block = new net.BlockList();
  block.addAddress(a, 'ipv6');
  return block.check(b, 'ipv6');
}

const unknown = (status: LookupStatus): PeerName => ({ name: UNKNOWN, reverseName: UNKNOWN, nameStatus: status, reverseStatus: status });

/** lookupPeer - hostname facts of a client address. */
export async function lookupPeer(addr: string, dns: DnsLookup | undefined): Promise<PeerName> {
  if (!dns) return unknown('notfound');
  const local = hostsName(addr);
  if (local) return { name: local, reverseName: local, nameStatus: 'ok', reverseStatus: 'ok' };
  const ptr = await dns.ptr(addr);
  const name = ptr.records.find((n) => isValidHostname(n));
  if (ptr.status !== 'ok' || !name) return unknown(ptr.status === 'tempfail' ? 'tempfail' : 'notfound');
  const fwd = await dns.addresses(name, net.isIPv6(addr) ? 6 : 4);
  if (fwd.status === 'ok' && fwd.records.some((a) => sameAddress(a, addr))) {
    return { name, reverseName: name, nameStatus: 'ok', reverseStatus: 'ok' };
  }
  return { name: UNKNOWN, reverseName: name, nameStatus: fwd.status === 'tempfail' ? 'tempfail' : 'notfound', reverseStatus: 'ok' };
}
