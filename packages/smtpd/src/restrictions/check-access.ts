/*
 * restrictions/check-access - check_client_access, check_reverse_client_hostname_access,
 * check_helo_access, check_sender_access and check_recipient_access: search an access(5)
 * table in Postfix's key order and act on the first result (see access.ts).
 *   client:  hostname and its parent domains, then 1.2.3.4, 1.2.3, 1.2, 1
 *   helo:    the name and its parent domains
 *   address: user+ext@domain, user@domain, domain and its parents, user+ext@, user@
 *            (the null sender is looked up as smtpd_null_access_lookup_key)
 * Reads (through RestrictionSettings): access_map_reject_code, access_map_defer_code,
 * smtpd_null_access_lookup_key, recipient_delimiter, parent_domain_matches_subdomains.
 */
import {
  accessAddressKeys,
  clientAddressSearchKeys,
  domainSearchKeys,
  lookupKeys,
  type LookupTable,
  type SearchKey,
  type TableMatch,
} from '@mailroom/global';
import { parseAccessResult } from './access.js';
import type { RestrictionFn } from './builtin-basic.js';
import { DUNNO, PERMIT, rejectWith, type CheckContext, type Outcome, type Subject } from './context.js';
import { noteText, refusal } from './words.js';

/** keysFor - the search keys of one subject, in order; [] when the subject is not known yet. */
function keysFor(ctx: CheckContext, subject: Subject): SearchKey[][] {
  const s = ctx.svc.settings;
  const { client, helo, sender, recipient } = ctx.req;
  const domainKeys = (name: string): SearchKey[] => domainSearchKeys(name.toLowerCase().replace(/\.$/, ''), s.accessParentMatches);
  switch (subject) {
    case 'client':
      return [client.name !== 'unknown' ? domainKeys(client.name) : [], clientAddressSearchKeys(client.addr)];
    case 'reverse-client':
      return client.reverseName !== 'unknown' ? [domainKeys(client.reverseName)] : [];
    case 'helo':
      return helo ? [domainKeys(helo)] : [];
    case 'sender':
    case 'recipient': {
      const addr = subject === 'sender' ? sender : recipient;
      if (addr === undefined) return [];
      if (addr === '') return [[{ key: s.nullAccessLookupKey, partial: false, form: 'address' }]];
      return [accessAddressKeys(addr, { recipientDelimiter: s.recipientDelimiter, parentMatchesSubdomains: s.accessParentMatches })];
    }
    default:
      return [];
  }
}

/** actOn - carry out an access table result for `subject`. */
async function actOn(ctx: CheckContext, subject: Subject, found: TableMatch, table: string): Promise<Outcome> {
  const a = parseAccessResult(found.value);
  const s = ctx.svc.settings;
  switch (a.kind) {
    case 'ok':
      return PERMIT;
    case 'dunno':
      return DUNNO;
    case 'reject':
    case 'defer': {
      const code = a.code ?? (a.kind === 'reject' ? s.accessMapRejectCode : s.accessMapDeferCode);
      return rejectWith(refusal(ctx, subject, code, a.dsn ?? (code >= 500 ? '5.7.1' : '4.7.1'), a.text || 'Access denied'));
    }
    case 'defer_if_permit':
    case 'defer_if_reject': {
      const r = refusal(ctx, subject, s.accessMapDeferCode, a.dsn ?? '4.7.1', a.text || 'Access denied');
      if (a.kind === 'defer_if_permit') ctx.state.deferIfPermit ??= r;
      else ctx.state.deferIfReject ??= r;
      return DUNNO;
    }
    case 'hold':
    case 'discard':
    case 'warn':
    case 'info': {
      const dflt = a.kind === 'hold' ? 'triggers HOLD action' : a.kind === 'discard' ? 'triggers DISCARD action' : '';
      ctx.state.notes.push({ action: a.kind, text: noteText(ctx, subject, a.text || dflt).trimEnd() });
      return a.kind === 'discard' ? PERMIT : DUNNO;
    }
    case 'restrictions':
      return ctx.nested(a.value);
    case 'unsupported':
      ctx.svc.warn(`access table ${table}: action ${a.action} is not supported by this smtpd: ignored`);
      return DUNNO;
  }
}

function checkAccess(subject: Subject): RestrictionFn {
  return async (ctx, arg) => {
    const spec = arg ?? '';
    const table: LookupTable = ctx.svc.table(spec);
    for (const keys of keysFor(ctx, subject)) {
      const found = await lookupKeys(table, keys);
      if (found) return actOn(ctx, subject, found, spec);
    }
    return DUNNO;
  };
}

export const accessRestrictions: Record<string, RestrictionFn> = {
  check_client_access: checkAccess('client'),
  check_reverse_client_hostname_access: checkAccess('reverse-client'),
  check_helo_access: checkAccess('helo'),
  check_sender_access: checkAccess('sender'),
  check_recipient_access: checkAccess('recipient'),
};
