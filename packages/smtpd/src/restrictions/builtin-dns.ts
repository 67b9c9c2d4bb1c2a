/*
 * restrictions/builtin-dns - restrictions that ask DNS about the envelope or the client:
 *   reject_unknown_sender_domain, reject_unknown_recipient_domain (no MX and no A/AAAA,
 *   or a null MX; skipped when we are the final destination of the domain),
 *   reject_rbl_client domain[=d.d.d.d] (address filters like 127.0.0.[2..11] too).
 * Reads (through RestrictionSettings): unknown_address_reject_code,
 * unknown_address_tempfail_action, maps_rbl_reject_code, default_rbl_reply.
 */
import net from 'node:net';
import { expandValue, reverseName, splitAddress } from '@mailroom/global';
import { reply } from '../replies.js';
import type { RestrictionFn } from './builtin-basic.js';
import { domainExists, isAddressLiteral } from './builtin-names.js';
import { DUNNO, rejectWith, tempfail, type CheckContext, type Outcome } from './context.js';
import { refusal } from './words.js';

const FINAL = new Set(['local', 'alias', 'virtual']);

async function unknownDomain(ctx: CheckContext, subject: 'sender' | 'recipient'): Promise<Outcome> {
  const address = subject === 'sender' ? ctx.req.sender : ctx.req.recipient;
  if (!address) return DUNNO;
  const { domain } = splitAddress(address);
  if (!domain || isAddressLiteral(domain)) return DUNNO;
  const resolved = await ctx.svc.resolve(ctx.req.sender ?? '', address);
  if (FINAL.has(resolved.class)) return DUNNO;
  const s = ctx.svc.settings;
  const dsn = subject === 'sender' ? '4.1.8' : '4.1.2';
  const mx = await ctx.svc.dns.mx(domain);
  if (mx.status === 'ok' && mx.records.length > 0) {
    const nullMx = mx.records.length === 1 && mx.records[0]?.exchange === '';
    if (!nullMx) return DUNNO;
    const nullDsn = subject === 'sender' ? '5.7.27' : '5.1.10';
    return rejectWith(refusal(ctx, subject, 556, nullDsn, `Domain ${domain} does not accept mail (nullMX)`));
  }
  const status = mx.status === 'tempfail' ? 'tempfail' : await domainExists(ctx, domain);
  if (status === 'ok') return DUNNO;
  if (status === 'tempfail') return tempfail(ctx, s.unknownAddressTempfailAction, refusal(ctx, subject, 450, dsn, 'Domain not found'));
  return rejectWith(refusal(ctx, subject, s.unknownAddressRejectCode, dsn, 'Domain not found'));
}

/** octetMatches - one octet of an RBL result filter: `2`, `[2..11]`, `[2;3;5]`. */
function octetMatches(pattern: string, octet: string): boolean {
  const range = /^\[(\d+)\.\.(\d+)\]$/.exec(pattern);
  if (range) return Number(octet) >= Number(range[1]) && Number(octet) <= Number(range[2]);
  const set = /^\[([\d;]+)\]$/.exec(pattern);
  if (set) return (set[1] as string).split(';').includes(octet);
  return pattern === octet;
}

/** rblFilterMatches - an A record of an RBL answer against the `=d.d.d.d` filter. */
export function rblFilterMatches(filter: string | undefined, address: string): boolean {
  if (!filter) return true;
  const p = filter.match(/\[[^\]]*\]|[^.]+/g) ?? [];
  const a = address.split('.');
  return p.length === 4 && a.length === 4 && p.every((x, i) => octetMatches(x, a[i] as string));
}

async function rblClient(ctx: CheckContext, arg?: string): Promise<Outcome> {
  const [domain, filter] = (arg ?? '').split('=');
  const client = ctx.req.client;
  const name = domain && net.isIP(client.addr) ? `${reverseName(client.addr).replace(/\.(in-addr|ip6)\.arpa$/, '')}.${domain}` : undefined;
  if (!name || !domain) return DUNNO;
  const a = await ctx.svc.dns.addresses(name, 4);
  if (a.status === 'tempfail') ctx.svc.warn(`${name}: RBL lookup error: ${a.detail ?? 'Host not found, try again'}`);
  if (a.status !== 'ok' || !a.records.some((r) => rblFilterMatches(filter, r))) return DUNNO;
  const txt = await ctx.svc.dns.txt(name);
  // DNS text must not be read as $macros of the reply template.
  const reason = txt.status === 'ok' ? txt.records.join(' ').replace(/\$/g, '') : '';
  const macros: Record<string, string> = {
    rbl_code: String(ctx.svc.settings.mapsRblRejectCode),
    rbl_class: 'Client host',
    rbl_what: client.addr,
    rbl_domain: domain,
    rbl_reason: reason,
    rbl_txt: reason,
    client_address: client.addr,
    client_name: client.name,
    reverse_client_name: client.reverseName,
    helo_name: ctx.req.helo ?? '',
    sender: ctx.req.sender ?? '',
    recipient: ctx.req.recipient ?? '',
  };
  const text = expandValue(ctx.svc.settings.defaultRblReply, (n) => macros[n] ?? '');
  const m = /^([45]\d\d)\s+(?:([45]\.\d{1,3}\.\d{1,3})\s+)?([\s\S]*)$/.exec(text);
  if (!m) return rejectWith(reply(ctx.svc.settings.mapsRblRejectCode, '5.7.1', text));
  return rejectWith(reply(Number(m[1]), m[2] ?? '5.7.1', m[3] as string));
}

export const dnsRestrictions: Record<string, RestrictionFn> = {
  reject_unknown_sender_domain: (ctx) => unknownDomain(ctx, 'sender'),
  reject_unknown_recipient_domain: (ctx) => unknownDomain(ctx, 'recipient'),
  reject_rbl_client: rblClient,
};
