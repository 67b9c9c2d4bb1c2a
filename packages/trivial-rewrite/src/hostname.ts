/*
 * hostname - Postfix's valid_hostname() for recipient domains: labels of letters,
 * digits, `-` and `_` (and UTF-8, as with smtputf8_enable), no label empty, longer than
 * 63 or starting or ending with `-`, at most 255 characters, and not all numeric (a bare
 * IP address is no domain: resolve_numeric_domain decides). Used by the resolver.
 */

const LABEL = /^[A-Za-z0-9_\u0080-\uffff]([A-Za-z0-9_\u0080-\uffff-]*[A-Za-z0-9_\u0080-\uffff])?$/;

/** validHostname - a syntactically valid domain name. */
export function validHostname(name: string): boolean {
  if (name.length === 0 || name.length > 255) return false;
  if (/^[0-9.]+$/.test(name)) return false;
  return name.split('.').every((l) => l.length <= 63 && LABEL.test(l));
}
