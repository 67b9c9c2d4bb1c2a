/*
 * dns/zone-server - a tiny authoritative DNS server on loopback UDP for tests (smtp's
 * MX tests, smtpd's client lookups): it answers from a fixed table, NXDOMAIN for names
 * not in it, NODATA for a known name without the asked type, and SERVFAIL (or silence)
 * for names marked so. Built on dns2's server. Not used by the daemons themselves.
 */
import dns2, { type Packet, type Resource, type UDPServer } from 'dns2';

/** Records of one name. MX entries are [preference, exchange] ('' or '.' = null MX). */
export interface ZoneRecords {
  A?: string[];
  AAAA?: string[];
  MX?: [number, string][];
  TXT?: string[];
  PTR?: string[];
  CNAME?: string;
}

/** A zone: name -> records, or a failure mode. */
export type Zone = Record<string, ZoneRecords | 'servfail' | 'timeout'>;

const { Packet: P } = dns2;

/** DnsZoneServer - serve `zone` on 127.0.0.1 at a port chosen by the kernel. */
export class DnsZoneServer {
  /** Queries received, as `TYPE name` (tests assert on them). */
  readonly queries: string[] = [];
  private server: UDPServer | undefined;
  port = 0;

  constructor(public zone: Zone) {}

  /** start - listen; resolves with the port. */
  async start(): Promise<number> {
    const server = dns2.createUDPServer((req, send) => this.handle(req, send));
    this.server = server;
    await new Promise<void>((resolve) => server.bind(0, '127.0.0.1', resolve));
    this.port = server.address().port;
    return this.port;
  }

  /** stop - close the socket. */
  async stop(): Promise<void> {
    const s = this.server;
    if (s) await new Promise<void>((resolve) => s.close(() => resolve()));
  }

  private handle(req: Packet, send: (r: Packet) => unknown): void {
    const res = P.createResponseFromRequest(req);
    const q = req.questions[0];
    if (!q) return;
    const name = q.name.toLowerCase().replace(/\.$/, '');
    const typeName = Object.entries(P.TYPE).find(([, v]) => v === q.type)?.[0] ?? String(q.type);
    this.queries.push(`${typeName} ${name}`);
    const entry = this.zone[name];
    if (entry === 'timeout') return;
    if (entry === 'servfail') {
      res.header.rcode = 2 /* SERVFAIL */;
    } else if (!entry) {
      res.header.rcode = 3 /* NXDOMAIN */;
    } else {
      res.header.aa = 1;
      const rr = (extra: Partial<Resource>, type: number): Resource =>
        ({ name: q.name, type, class: P.CLASS.IN, ttl: 60, ...extra }) as Resource;
      if (entry.CNAME && q.type !== P.TYPE.CNAME) res.answers.push(rr({ domain: entry.CNAME }, P.TYPE.CNAME));
      if (q.type === P.TYPE.A) for (const a of entry.A ?? []) res.answers.push(rr({ address: a }, P.TYPE.A));
      if (q.type === P.TYPE.AAAA) for (const a of entry.AAAA ?? []) res.answers.push(rr({ address: a }, P.TYPE.AAAA));
      if (q.type === P.TYPE.MX) for (const [p, x] of entry.MX ?? []) res.answers.push(rr({ priority: p, exchange: x.replace(/\.$/, '') }, P.TYPE.MX));
      if (q.type === P.TYPE.TXT) for (const t of entry.TXT ?? []) res.answers.push(rr({ data: t }, P.TYPE.TXT));
      if (q.type === P.TYPE.PTR) for (const t of entry.PTR ?? []) res.answers.push(rr({ domain: t }, P.TYPE.PTR));
    }
    send(res);
  }
}
