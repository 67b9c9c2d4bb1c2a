/*
 * tables/search - Postfix's table search orders, shared by every daemon:
 *  - lookupAddress: virtual(5)/canonical(5)/relocated(5) order: user+ext@domain,
 *    user@domain, user+ext, user (local domains only), @domain;
 *  - accessAddressKeys: access(5) order for mail addresses: user+ext@domain,
 *    user@domain, domain (and parents), user+ext@, user@;
 *  - domainSearchKeys: host or domain names with parent domains (`example.com` or
 *    `.example.com` style, per parent_domain_matches_subdomains);
 *  - clientAddressSearchKeys: 1.2.3.4, 1.2.3, 1.2, 1 (IPv6: by colon groups).
 * Only the first key of each search is a whole key; the others are partial keys,
 * which pattern tables (regexp, pcre, cidr) never see, as in Postfix.
 * Parameters (passed in by callers): recipient_delimiter, parent_domain_matches_subdomains.
 */
import { splitAddress, splitExtension } from '../address/index.js';
import type { LookupTable } from './types.js';

export interface SearchKey {
  key: string;
  /** Partial keys are asked of fixed-string tables only. */
  partial: boolean;
  /** Which form of the address this key is. */
  form: 'address' | 'user' | 'domain' | 'localpart';
  /** The address extension this key left out (for propagate_unmatched_extensions). */
  extension?: string;
  delimiter?: string;
}

export interface AddressSearchOptions {
  /** recipient_delimiter: each character is a delimiter; '' = no extensions. */
  recipientDelimiter?: string;
  /** Whether the bare `user` forms are tried (the domain is $myorigin, $mydestination...). */
  localDomain?: boolean | ((domain: string) => boolean);
}

/** addressSearchKeys - the virtual(5)/canonical(5) key order for an address. */
export function addressSearchKeys(address: string, opts: AddressSearchOptions = {}): SearchKey[] {
  const { local, domain } = splitAddress(address);
  const { user, extension, delimiter } = splitExtension(local, opts.recipientDelimiter ?? '');
  const at = domain ? `@${domain}` : '';
  const ext = extension ? { extension, delimiter } : {};
  const keys: SearchKey[] = [{ key: address, partial: false, form: 'address' }];
  if (extension) keys.push({ key: `${user}${at}`, partial: true, form: 'address', ...ext });
  const isLocal = typeof opts.localDomain === 'function' ? opts.localDomain(domain) : (opts.localDomain ?? false);
  if (domain && isLocal) {
    if (extension) keys.push({ key: local, partial: true, form: 'user' });
    keys.push({ key: user, partial: true, form: 'user', ...ext });
  }
  if (domain) keys.push({ key: at, partial: true, form: 'domain', ...ext });
  return keys;
}

/** domainSearchKeys - name, then its parents: `example.com`, `com` (parentMatches) or `.example.com`, `.com`. */
export function domainSearchKeys(domain: string, parentMatchesSubdomains: boolean, firstPartial = false): SearchKey[] {
  const keys: SearchKey[] = [{ key: domain, partial: firstPartial, form: 'domain' }];
  for (let dot = domain.indexOf('.', 1); dot >= 0 && dot < domain.length - 1; dot = domain.indexOf('.', dot + 1)) {
    keys.push({ key: parentMatchesSubdomains ? domain.slice(dot + 1) : domain.slice(dot), partial: true, form: 'domain' });
  }
  return keys;
}

export interface AccessSearchOptions {
  recipientDelimiter?: string;
  /** True when parent_domain_matches_subdomains lists this feature (smtpd_access_maps by default). */
  parentMatchesSubdomains: boolean;
}

/** accessAddressKeys - the access(5) key order for a mail address. */
export function accessAddressKeys(address: string, opts: AccessSearchOptions): SearchKey[] {
  const { local, domain } = splitAddress(address);
  const { user, extension, delimiter } = splitExtension(local, opts.recipientDelimiter ?? '');
  const ext = extension ? { extension, delimiter } : {};
  const keys: SearchKey[] = [{ key: address, partial: false, form: 'address' }];
  if (extension) keys.push({ key: domain ? `${user}@${domain}` : user, partial: true, form: 'address', ...ext });
  if (domain) keys.push(...domainSearchKeys(domain, opts.parentMatchesSubdomains, true));
  if (extension) keys.push({ key: `${local}@`, partial: true, form: 'localpart' });
  keys.push({ key: `${user}@`, partial: true, form: 'localpart', ...ext });
  return keys;
}

/** clientAddressSearchKeys - `1.2.3.4`, `1.2.3`, `1.2`, `1`; IPv6 cut at each `:` from the right. */
export function clientAddressSearchKeys(addr: string): SearchKey[] {
  let a = addr.toLowerCase();
  if (a.startsWith('::ffff:') && a.includes('.')) a = a.slice(7);
  const sep = a.includes(':') ? ':' : '.';
  const keys: SearchKey[] = [];
  for (let cur = a, partial = false; cur; partial = true) {
    keys.push({ key: cur, partial, form: 'address' });
    const cut = cur.lastIndexOf(sep);
    if (cut < 0) break;
    cur = cur.slice(0, cut);
  }
  return keys;
}

export interface TableMatch extends SearchKey {
  value: string;
}

/** lookupKeys - ask the table for each key in order; the first hit wins. */
export async function lookupKeys(table: LookupTable, keys: readonly SearchKey[]): Promise<TableMatch | undefined> {
  for (const k of keys) {
    const value = await table.get(k.key, { partial: k.partial });
    if (value !== undefined) return { ...k, value };
  }
  return undefined;
}

/** lookupAddress - the virtual/canonical search of address in table (a table or a list of maps). */
export function lookupAddress(table: LookupTable, address: string, opts: AddressSearchOptions = {}): Promise<TableMatch | undefined> {
  return lookupKeys(table, addressSearchKeys(address, opts));
}
