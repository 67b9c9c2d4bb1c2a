/*
 * dns/resolver - MX, A, AAAA, TXT and PTR lookups over dns2's UDP client (TCP when a
 * reply is truncated), asking the configured servers in order, `attempts` rounds of
 * `timeoutMs` each, as the system resolver does. Answers are classified the way mail
 * software needs them: ok, nodata (the name exists without such records), nxdomain
 * (bounce) and tempfail (defer). Positive answers are cached for their TTL (negative
 * ones for the SOA minimum, at most 5 minutes) and concurrent identical queries share
 * one packet, so a busy delivery agent asks once per destination, not once per message.
 * Used by smtp (next-hop lookups); meant for smtpd too. Reads no parameters itself:
 * build it with dnsConfig(config) (dns/servers.ts).
 */
import { domainToASCII } from 'node:url';
import { isIP } from 'node:net';
import dns2, { type Packet, type Resource } from 'dns2';
import type { DnsServer } from './servers.js';

export type DnsType = 'A' | 'AAAA' | 'MX' | 'TXT' | 'PTR' | 'CNAME';
export type DnsStatus = 'ok' | 'nodata' | 'nxdomain' | 'tempfail';

/** One answer: the records of the requested type (after CNAMEs), or why there are none. */
export interface DnsAnswer {
  status: DnsStatus;
  records: Resource[];
  /** Detail of a tempfail (timeout, SERVFAIL, REFUSED...). */
  detail?: string;
}

/** A classified lookup result with typed records. */
export interface DnsResult<T> {
  status: DnsStatus;
  records: T[];
  detail?: string;
}

export interface MxRecord {
  /** Host name of the exchanger, lower case, no trailing dot ('' for a null MX). */
  exchange: string;
  preference: number;
}

export interface DnsResolverOptions {
  servers: readonly DnsServer[];
  /** Time for one try at one server (default 5 s). */
  timeoutMs?: number;
  /** Rounds over all servers (default 2). */
  attempts?: number;
  /** Cached answers kept at most (default 4096; 0 disables the cache). */
  cacheEntries?: number;
}

/** dnsErrorText - the resolver library's words for a status, as Postfix prints them. */
export function dnsErrorText(status: DnsStatus): string {
  switch (status) {
    case 'ok': return 'Success';
    case 'nodata': return 'Host found but no data record of requested type';
    case 'nxdomain': return 'Host not found';
    case 'tempfail': return 'Host not found, try again';
  }
}

/** asciiName - a query name in ASCII (IDNA), without the trailing dot; '' when invalid. */
export function asciiName(name: string): string {
  const n = name.trim().replace(/\.$/, '');
  if (!n || /[\s\\"]/.test(n)) return '';
  return /^[\x21-\x7e]+$/.test(n) ? n.toLowerCase() : domainToASCII(n).toLowerCase();
}

/** reverseName - the in-addr.arpa / ip6.arpa name of an address. */
export function reverseName(address: string): string {
  if (isIP(address) === 4) return `${address.split('.').reverse().join('.')}.in-addr.arpa`;
  const groups = address.split('::');
  const head = groups[0] ? groups[0].split(':') : [];
  const tail = groups[1] ? groups[1].split(':') : [];
  const full = [...head, ...Array(8 - head.length - tail.length).fill('0'), ...tail] as string[];
  return `${full.map((g) => g.padStart(4, '0')).join('').split('').reverse().join('.')}.ip6.arpa`;
}

interface CacheEntry {
  expires: number;
  answer: DnsAnswer;
}

const MAX_NEGATIVE_TTL = 300;
const RCODE_NOERROR = 0;
const RCODE_NXDOMAIN = 3;
const MAX_CNAME_DEPTH = 5;

/** DnsResolver - a small caching stub resolver on fixed servers. */
export class DnsResolver {
  private readonly servers: readonly DnsServer[];
  private readonly timeoutMs: number;
  private readonly attempts: number;
  private readonly cacheEntries: number;
  private readonly cache = new Map<string, CacheEntry>();
  private readonly inflight = new Map<string, Promise<DnsAnswer>>();

  constructor(opts: DnsResolverOptions) {
    if (opts.servers.length === 0) throw new Error('DnsResolver: no DNS servers');
    this.servers = opts.servers;
    this.timeoutMs = opts.timeoutMs ?? 5000;
    this.attempts = Math.max(1, opts.attempts ?? 2);
    this.cacheEntries = opts.cacheEntries ?? 4096;
  }

  /** query - records of one type for a name (CNAME chains followed). */
  query(name: string, type: DnsType): Promise<DnsAnswer> {
    const ascii = asciiName(name);
    if (!ascii || ascii.length > 253) return Promise.resolve({ status: 'nxdomain', records: [] });
    const key = `${type} ${ascii}`;
    const hit = this.cache.get(key);
    if (hit && hit.expires > Date.now()) return Promise.resolve(hit.answer);
    if (hit) this.cache.delete(key);
    let p = this.inflight.get(key);
    if (!p) {
      p = this.follow(ascii, type, 0).finally(() => this.inflight.delete(key));
      this.inflight.set(key, p);
    }
    return p;
  }

  /** mx - MX records, sorted by preference (equal preferences in answer order). */
  async mx(name: string): Promise<DnsResult<MxRecord>> {
    const a = await this.query(name, 'MX');
    const records = a.records
      .map((r) => ({ exchange: (r.exchange ?? '').replace(/\.$/, '').toLowerCase(), preference: r.priority ?? 0 }))
      .sort((x, y) => x.preference - y.preference);
    return { status: a.status, records, detail: a.detail };
  }

  /** addresses - A (family 4) or AAAA (family 6) addresses of a host. */
  async addresses(name: string, family: 4 | 6): Promise<DnsResult<string>> {
    const a = await this.query(name, family === 4 ? 'A' : 'AAAA');
    return { status: a.status, records: a.records.map((r) => r.address ?? '').filter((x) => isIP(x) === family), detail: a.detail };
  }

  /** txt - TXT strings of a name (character-strings of one record joined). */
  async txt(name: string): Promise<DnsResult<string>> {
    const a = await this.query(name, 'TXT');
    return { status: a.status, records: a.records.map((r) => (Array.isArray(r.data) ? r.data.join('') : (r.data ?? ''))), detail: a.detail };
  }

  /** ptr - host names of an IP address. */
  async ptr(address: string): Promise<DnsResult<string>> {
    if (!isIP(address)) return { status: 'nxdomain', records: [] };
    const a = await this.query(reverseName(address), 'PTR');
    return { status: a.status, records: a.records.map((r) => (r.domain ?? '').replace(/\.$/, '').toLowerCase()), detail: a.detail };
  }

  private async follow(name: string, type: DnsType, depth: number): Promise<DnsAnswer> {
    const key = `${type} ${name}`;
    const { answer, ttl, packet } = await this.ask(name, type);
    if (answer.status === 'ok' && answer.records.length === 0 && packet && type !== 'CNAME' && depth < MAX_CNAME_DEPTH) {
      // The server gave only a CNAME (no recursion past it): ask for the target.
      const cname = packet.answers.find((r) => r.type === dns2.Packet.TYPE.CNAME && r.domain);
      if (cname?.domain) return this.follow(asciiName(cname.domain), type, depth + 1);
    }
    if (answer.status === 'ok' && answer.records.length === 0) answer.status = 'nodata';
    this.remember(key, answer, ttl);
    return answer;
  }

  private remember(key: string, answer: DnsAnswer, ttl: number): void {
    if (this.cacheEntries <= 0 || answer.status === 'tempfail' || ttl <= 0) return;
    if (this.cache.size >= this.cacheEntries) {
      const oldest = this.cache.keys().next().value;
      if (oldest !== undefined) this.cache.delete(oldest);
    }
    this.cache.set(key, { expires: Date.now() + ttl * 1000, answer });
  }

  /** ask - one question to the servers in turn until one answers authoritatively enough. */
  private async ask(name: string, type: DnsType): Promise<{ answer: DnsAnswer; ttl: number; packet?: Packet }> {
    let detail = 'no DNS server answered';
    for (let round = 0; round < this.attempts; round++) {
      for (const server of this.servers) {
        let packet: Packet;
        try {
          const client = dns2.UDPClient({
            dns: server.host, port: server.port, timeout: this.timeoutMs, socketType: isIP(server.host) === 6 ? 'udp6' : 'udp4',
          });
          packet = await withTimeout(client(name, type), this.timeoutMs * 2);
        } catch (err) {
          detail = `${server.host}:${server.port}: ${(err as Error).message}`;
          continue;
        }
        const rcode = packet.header.rcode;
        if (rcode === RCODE_NXDOMAIN) {
          return { answer: { status: 'nxdomain', records: [] }, ttl: negativeTtl(packet), packet };
        }
        if (rcode !== RCODE_NOERROR) {
          detail = `${server.host}:${server.port}: ${rcodeName(rcode)}`;
          continue; // SERVFAIL, REFUSED...: another server may know
        }
        const want = dns2.Packet.TYPE[type];
        const records = packet.answers.filter((r) => r.type === want);
        const ttl = records.length > 0 ? Math.min(...records.map((r) => r.ttl)) : negativeTtl(packet);
        return { answer: { status: 'ok', records }, ttl, packet };
      }
    }
    return { answer: { status: 'tempfail', records: [], detail }, ttl: 0 };
  }
}

/** withTimeout - dns2's TCP retry (after a truncated UDP reply) has no time limit of its own. */
function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const limit = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`DNS query timed out after ${ms}ms`)), ms);
  });
  return Promise.race([p, limit]).finally(() => clearTimeout(timer));
}

function negativeTtl(packet: Packet): number {
  const soa = packet.authorities.find((r) => r.type === dns2.Packet.TYPE.SOA) as (Resource & { minimum?: number }) | undefined;
  if (!soa) return 0;
  return Math.min(MAX_NEGATIVE_TTL, soa.ttl, soa.minimum ?? soa.ttl);
}

function rcodeName(rcode: number): string {
  const names: Record<number, string> = { 1: 'FORMERR', 2: 'SERVFAIL', 4: 'NOTIMP', 5: 'REFUSED' };
  return names[rcode] ?? `RCODE ${rcode}`;
}
