/*
 * restrictions/list - parse a restriction list (smtpd_*_restrictions, or a restriction
 * list returned by an access table) into named restrictions with their argument:
 *   permit_mynetworks, check_client_access hash:/etc/postfix/access, reject_rbl_client zen.example=127.0.0.2
 * Old names Postfix still accepts map to their current ones. Pure; used by settings.ts
 * (at start, to report mistakes once) and by access.ts (lists inside table results).
 * Kept in this package for now; policy daemons or postscreen could share it later.
 */
import { splitList } from '@mailroom/global';

export interface Restriction {
  /** Canonical restriction name. */
  readonly name: string;
  /** Table (`type:name`) or DNS domain, for the restrictions that take one. */
  readonly arg?: string;
}

/** Restrictions followed by a `type:table` argument. */
const TABLE_RESTRICTIONS = new Set([
  'check_client_access',
  'check_reverse_client_hostname_access',
  'check_helo_access',
  'check_sender_access',
  'check_recipient_access',
]);

/** Restrictions followed by a DNS domain argument. */
const DOMAIN_RESTRICTIONS = new Set(['reject_rbl_client']);

/** Restrictions without argument. */
const PLAIN_RESTRICTIONS = new Set([
  'permit',
  'reject',
  'defer',
  'defer_if_permit',
  'defer_if_reject',
  'warn_if_reject',
  'permit_mynetworks',
  'permit_sasl_authenticated',
  'permit_auth_destination',
  'reject_unauth_destination',
  'defer_unauth_destination',
  'reject_unlisted_recipient',
  'reject_unlisted_sender',
  'reject_non_fqdn_helo_hostname',
  'reject_invalid_helo_hostname',
  'reject_unknown_helo_hostname',
  'reject_non_fqdn_sender',
  'reject_non_fqdn_recipient',
  'reject_unknown_sender_domain',
  'reject_unknown_recipient_domain',
  'reject_unknown_client_hostname',
  'reject_unknown_reverse_client_hostname',
  'reject_authenticated_sender_login_mismatch',
  'reject_unauthenticated_sender_login_mismatch',
  'reject_sender_login_mismatch',
  'reject_known_sender_login_mismatch',
]);

/** Names from older Postfix versions. */
const ALIASES: Record<string, string> = {
  reject_invalid_hostname: 'reject_invalid_helo_hostname',
  reject_non_fqdn_hostname: 'reject_non_fqdn_helo_hostname',
  reject_unknown_hostname: 'reject_unknown_helo_hostname',
  reject_unknown_client: 'reject_unknown_client_hostname',
  reject_unverified_recipient_domain: 'reject_unknown_recipient_domain',
};

/** Names that end relaying decisions: smtpd refuses to start without one (as Postfix does). */
export const RELAY_GUARDS: ReadonlySet<string> = new Set([
  'reject_unauth_destination',
  'defer_unauth_destination',
  'reject',
  'defer',
  'defer_if_permit',
]);

export interface ParsedList {
  list: Restriction[];
  /** Mistakes, worded as Postfix's warnings; a list with mistakes answers 451 4.3.5. */
  errors: string[];
}

/** isRestrictionName - a restriction this smtpd implements. */
export function isRestrictionName(name: string): boolean {
  const n = ALIASES[name] ?? name;
  return PLAIN_RESTRICTIONS.has(n) || TABLE_RESTRICTIONS.has(n) || DOMAIN_RESTRICTIONS.has(n);
}

/** parseRestrictions - a restriction list value (already split or as text). */
export function parseRestrictions(value: string | readonly string[]): ParsedList {
  const items = typeof value === 'string' ? splitList(value) : value;
  const list: Restriction[] = [];
  const errors: string[] = [];
  for (let i = 0; i < items.length; i++) {
    const raw = items[i] as string;
    const name = ALIASES[raw.toLowerCase()] ?? raw.toLowerCase();
    if (PLAIN_RESTRICTIONS.has(name)) {
      list.push({ name });
    } else if (TABLE_RESTRICTIONS.has(name) || DOMAIN_RESTRICTIONS.has(name)) {
      const arg = items[i + 1];
      const wantTable = TABLE_RESTRICTIONS.has(name);
      if (arg === undefined || (wantTable && !/^[a-z0-9_-]+:/i.test(arg))) {
        errors.push(`restriction ${raw} requires ${wantTable ? 'a "type:table"' : 'a domain'} argument`);
        continue;
      }
      list.push({ name, arg });
      i++;
    } else {
      errors.push(`unknown smtpd restriction: "${raw}"`);
    }
  }
  return { list, errors };
}
