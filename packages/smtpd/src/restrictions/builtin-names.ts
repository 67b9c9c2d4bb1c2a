/*
 * restrictions/builtin-names - restrictions on the form of names and addresses:
 *   reject_invalid_helo_hostname, reject_non_fqdn_helo_hostname, reject_unknown_helo_hostname,
 *   reject_non_fqdn_sender, reject_non_fqdn_recipient,
 *   reject_unknown_client_hostname, reject_unknown_reverse_client_hostname.
 * Reads (through RestrictionSettings): invalid_hostname_reject_code, non_fqdn_reject_code,
 * unknown_hostname_reject_code, unknown_client_reject_code, reject_tempfail_action.
 */
import { isFqdn, splitAddress, validAddressLiteral, validHostname } from '@mailroom/global';
import { reply } from '../replies.js';
import type { RestrictionFn } from './builtin-basic.js';
import { DUNNO, rejectWith, tempfail, type CheckContext, type LookupStatus, type Outcome } from './context.js';
import { refusal } from './words.js';

/** isAddressLiteral - `[192.0.2.1]` or `[IPv6:2001:db8::1]`, well formed. */
export function isAddressLiteral(name: string): boolean {
  return validAddressLiteral(name);
}

/** isValidHostname - Postfix's valid_hostname(): labels of letters, digits, `-`, `_`; not all numeric. */
export function isValidHostname(name: string): boolean {
  return validHostname(name.replace(/\.$/, ''));
}

/** domainExists - MX, A or AAAA for name: ok, notfound or tempfail. */
export async function domainExists(ctx: CheckContext, name: string): Promise<LookupStatus> {
  const answers = [await ctx.svc.dns.mx(name), await ctx.svc.dns.addresses(name, 4), await ctx.svc.dns.addresses(name, 6)];
  if (answers.some((a) => a.status === 'ok' && a.records.length > 0)) return 'ok';
  return answers.some((a) => a.status === 'tempfail') ? 'tempfail' : 'notfound';
}

function nonFqdnAddress(ctx: CheckContext, subject: 'sender' | 'recipient', address: string | undefined): Outcome {
  if (!address) return DUNNO; // null sender, or not known yet
  const { domain } = splitAddress(address);
  if (domain && (isAddressLiteral(domain) || isFqdn(domain))) return DUNNO;
  return rejectWith(refusal(ctx, subject, ctx.svc.settings.nonFqdnRejectCode, '5.5.2', 'need fully-qualified address'));
}

function unknownClient(ctx: CheckContext, status: LookupStatus, what: string): Outcome {
  if (status === 'ok') return DUNNO;
  const r = reply(ctx.svc.settings.unknownClientRejectCode, '4.7.1', `Client host rejected: cannot find your ${what}, [${ctx.req.client.addr}]`);
  if (status === 'tempfail') return tempfail(ctx, ctx.svc.settings.rejectTempfailAction, reply(450, '4.7.1', r.text));
  return rejectWith(r);
}

export const nameRestrictions: Record<string, RestrictionFn> = {
  reject_invalid_helo_hostname: (ctx) => {
    const helo = ctx.req.helo;
    if (helo === undefined || isAddressLiteral(helo) || isValidHostname(helo)) return DUNNO;
    return rejectWith(refusal(ctx, 'helo', ctx.svc.settings.invalidHostnameRejectCode, '5.5.2', 'Invalid name'));
  },
  reject_non_fqdn_helo_hostname: (ctx) => {
    const helo = ctx.req.helo;
    if (helo === undefined || isAddressLiteral(helo) || isFqdn(helo)) return DUNNO;
    return rejectWith(refusal(ctx, 'helo', ctx.svc.settings.nonFqdnRejectCode, '5.5.2', 'need fully-qualified hostname'));
  },
  reject_unknown_helo_hostname: async (ctx) => {
    const helo = ctx.req.helo;
    if (helo === undefined || isAddressLiteral(helo)) return DUNNO;
    const status = await domainExists(ctx, helo.replace(/\.$/, ''));
    if (status === 'ok') return DUNNO;
    const r = refusal(ctx, 'helo', ctx.svc.settings.unknownHostnameRejectCode, '4.7.1', 'Host not found');
    return status === 'tempfail' ? tempfail(ctx, ctx.svc.settings.rejectTempfailAction, reply(450, '4.7.1', r.text)) : rejectWith(r);
  },
  reject_non_fqdn_sender: (ctx) => nonFqdnAddress(ctx, 'sender', ctx.req.sender),
  reject_non_fqdn_recipient: (ctx) => nonFqdnAddress(ctx, 'recipient', ctx.req.recipient),
  reject_unknown_client_hostname: (ctx) => unknownClient(ctx, ctx.req.client.nameStatus, 'hostname'),
  reject_unknown_reverse_client_hostname: (ctx) => unknownClient(ctx, ctx.req.client.reverseStatus, 'reverse hostname'),
};
