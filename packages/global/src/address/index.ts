/*
 * address - mail addresses in the forms Postfix uses: internal (unquoted, as stored
 * in queue files and looked up in tables) and external (RFC 5321 quoted, as sent in
 * SMTP and headers). Pure functions; used by smtpd, cleanup, trivial-rewrite, the
 * lookup tables and the delivery agents.
 */

export interface AddressParts {
  /** Local part, internal (unquoted) form. */
  local: string;
  /** Domain without a trailing dot; '' when the address has none. */
  domain: string;
}

/** splitAddress - local part and domain, split at the last `@` (internal form). */
export function splitAddress(address: string): AddressParts {
  const at = address.lastIndexOf('@');
  if (at < 0) return { local: address, domain: '' };
  return { local: address.slice(0, at), domain: address.slice(at + 1).replace(/\.$/, '') };
}

/** joinAddress - the inverse of splitAddress. */
export function joinAddress(local: string, domain: string): string {
  return domain ? `${local}@${domain}` : local;
}

/**
 * splitExtension - `user+ext` → user `user`, extension `ext` for a
 * `recipient_delimiter` value (each of its characters is a delimiter).
 * The owner- and -request forms are not split, as Postfix does not split them.
 */
export function splitExtension(local: string, delimiters: string): { user: string; extension: string; delimiter: string } {
  if (!delimiters || /^owner-|-request$/i.test(local)) return { user: local, extension: '', delimiter: '' };
  for (let i = 0; i < local.length; i++) {
    const ch = local[i] as string;
    if (i > 0 && delimiters.includes(ch)) return { user: local.slice(0, i), extension: local.slice(i + 1), delimiter: ch };
  }
  return { user: local, extension: '', delimiter: '' };
}

const ATOM = /^[A-Za-z0-9!#$%&'*+\-/=?^_`{|}~\u0080-\uffff]+$/;

/** needsQuoting - true when a local part is not a dot-atom (RFC 5321 Dot-string). */
export function needsQuoting(local: string): boolean {
  if (local === '') return false;
  return !local.split('.').every((atom) => ATOM.test(atom));
}

/** externalForm - the address as written in SMTP: the local part quoted when needed. */
export function externalForm(address: string): string {
  if (address === '') return '';
  const { local, domain } = splitAddress(address);
  const quoted = needsQuoting(local) ? `"${local.replace(/(["\\])/g, '\\$1')}"` : local;
  return joinAddress(quoted, domain);
}

/** internalForm - an SMTP/header address with its local-part quotes removed. */
export function internalForm(address: string): string {
  const at = address.lastIndexOf('@');
  const local = at < 0 ? address : address.slice(0, at);
  if (!(local.startsWith('"') && local.endsWith('"') && local.length >= 2)) return address;
  const unquoted = local.slice(1, -1).replace(/\\(.)/g, '$1');
  return at < 0 ? unquoted : `${unquoted}${address.slice(at)}`;
}

/** normalizeDomain - lower case, without a trailing dot (for comparisons and lookups). */
export function normalizeDomain(domain: string): string {
  return domain.toLowerCase().replace(/\.$/, '');
}

/** isFqdn - a domain with at least one dot, made of valid labels (or an address literal). */
export function isFqdn(domain: string): boolean {
  if (/^\[.*\]$/.test(domain)) return true;
  const labels = domain.replace(/\.$/, '').split('.');
  return labels.length >= 2 && labels.every((l) => /^[A-Za-z0-9\u0080-\uffff]([A-Za-z0-9\u0080-\uffff-]{0,61}[A-Za-z0-9\u0080-\uffff])?$/.test(l));
}
export * from './hostname.js';
export * from './header-addr.js';
