/*
 * route - from a destination to the ordered list of server endpoints to try:
 *   - an SMTP domain: its MX hosts by preference (equal preferences shuffled), the
 *     domain itself when it has no MX (implicit MX), a bounce for a null MX (RFC 7505);
 *   - a [host], an LMTP host, or any host when DNS is disabled: the host itself;
 *   - each host's addresses from DNS (A, AAAA per inet_protocols) and/or the system
 *     resolver (smtp_host_lookup = native, /etc/hosts), at most smtp_mx_address_limit;
 *   - a Unix socket: itself.
 * Failures are worded as Postfix words them: a temporary DNS failure defers (4.4.3),
 * a name that does not exist bounces (5.4.4 Host or domain name not found).
 * Used by deliver.ts.
 */
import dns from 'node:dns';
import net from 'node:net';
import { dnsErrorText, type DnsResolver, type DnsStatus } from '@mailroom/global';
import type { Destination } from './nexthop.js';
import type { Endpoint } from './session.js';
import type { ClientSettings } from './settings.js';
import type { Outcome } from './status.js';

export type RouteResult = { ok: true; endpoints: Endpoint[] } | { ok: false; outcome: Outcome };

interface HostAddresses {
  status: DnsStatus;
  addrs: string[];
  /** The query type the status is about (A, AAAA, or the system resolver's). */
  type: string;
}

function shuffle<T>(list: T[]): T[] {
  for (let i = list.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [list[i], list[j]] = [list[j] as T, list[i] as T];
  }
  return list;
}

function notFound(name: string, type: string, status: DnsStatus): Outcome {
  const reason = `Host or domain name not found. Name service error for name=${name} type=${type}: ${dnsErrorText(status)}`;
  return status === 'tempfail' ? { status: 'deferred', dsn: '4.4.3', reason } : { status: 'bounced', dsn: '5.4.4', reason };
}

/** worse - the status that decides a failed lookup: tempfail over nxdomain over nodata. */
function worse(a: DnsStatus, b: DnsStatus): DnsStatus {
  const rank: Record<DnsStatus, number> = { ok: 0, nodata: 1, nxdomain: 2, tempfail: 3 };
  return rank[a] >= rank[b] ? a : b;
}

async function nativeLookup(host: string, families: readonly (4 | 6)[]): Promise<HostAddresses> {
  try {
    const found = await dns.promises.lookup(host, { all: true, verbatim: true });
    const addrs = found.filter((a) => families.includes(a.family as 4 | 6)).map((a) => a.address);
    return { status: addrs.length > 0 ? 'ok' : 'nodata', addrs, type: 'A' };
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    return { status: code === 'EAI_AGAIN' ? 'tempfail' : code === 'ENODATA' ? 'nodata' : 'nxdomain', addrs: [], type: 'A' };
  }
}

/** hostAddresses - a host's addresses by the configured lookup methods. */
export async function hostAddresses(host: string, s: ClientSettings, resolver: DnsResolver | undefined): Promise<HostAddresses> {
  const fam = net.isIP(host);
  if (fam) return { status: s.families.includes(fam as 4 | 6) ? 'ok' : 'nodata', addrs: s.families.includes(fam as 4 | 6) ? [host] : [], type: 'A' };
  let result: HostAddresses = { status: 'nodata', addrs: [], type: 'A' };
  for (const method of s.hostLookup) {
    if (method === 'native' || !resolver) {
      result = await nativeLookup(host, s.families);
    } else {
      const answers = await Promise.all(s.families.map((f) => resolver.addresses(host, f)));
      let status: DnsStatus = 'nodata';
      let type = 'A';
      const addrs: string[] = [];
      answers.forEach((a, i) => {
        addrs.push(...a.records);
        if (a.status !== 'ok') {
          status = worse(status, a.status);
          type = s.families[i] === 6 ? 'AAAA' : 'A';
        }
      });
      result = { status: addrs.length > 0 ? 'ok' : status, addrs, type };
    }
    if (result.status === 'ok') break;
  }
  if (s.anyFamilyOrder && s.families.length > 1) shuffle(result.addrs);
  return result;
}

/** route - the endpoints of a destination, in the order to try them. */
export async function route(d: Destination, s: ClientSettings, resolver: DnsResolver | undefined): Promise<RouteResult> {
  if (d.kind === 'unix') return { ok: true, endpoints: [{ host: s.myhostname, addr: d.path }] };
  let hosts = [d.host];
  if (d.mx && s.dnsEnabled && resolver) {
    const mx = await resolver.mx(d.host);
    if (mx.status === 'tempfail' || mx.status === 'nxdomain') return { ok: false, outcome: notFound(d.host, 'MX', mx.status) };
    const real = mx.records.filter((r) => r.exchange !== '');
    if (mx.records.length > 0 && real.length === 0) {
      return { ok: false, outcome: { status: 'bounced', dsn: '5.1.10', reason: `Domain ${d.host} does not accept mail (nullMX)` } };
    }
    if (real.length > 0) {
      // Preference order; equal preferences in random order (RFC 5321 5.1).
      const groups = new Map<number, string[]>();
      for (const r of real) groups.set(r.preference, [...(groups.get(r.preference) ?? []), r.exchange]);
      hosts = [...groups.keys()].sort((a, b) => a - b).flatMap((p) => shuffle(groups.get(p) as string[]));
    }
  }
  const endpoints: Endpoint[] = [];
  let failure: { host: string; a: HostAddresses } | undefined;
  for (const host of hosts) {
    if (s.mxAddressLimit > 0 && endpoints.length >= s.mxAddressLimit) break;
    const a = await hostAddresses(host, s, resolver);
    if (a.status !== 'ok') {
      if (!failure || worse(a.status, failure.a.status) === a.status) failure = { host, a };
      continue;
    }
    for (const addr of a.addrs) endpoints.push({ host, addr, port: d.port });
  }
  if (s.mxAddressLimit > 0) endpoints.splice(s.mxAddressLimit);
  if (endpoints.length === 0) {
    const f = failure ?? { host: d.host, a: { status: 'nodata' as const, addrs: [], type: 'A' } };
    return { ok: false, outcome: notFound(f.host, f.a.type, f.a.status) };
  }
  return { ok: true, endpoints };
}
