/*
 * address/hostname - Postfix's valid_hostname() and valid_mailhost_literal(): what smtpd
 * accepts as a HELO or client name, trivial-rewrite as a recipient domain, and
 * `postqueue -s` as a site. Pure functions; reads no parameters.
 */
import net from 'node:net';

const ASCII_LABEL = /^[A-Za-z0-9_]([A-Za-z0-9_-]*[A-Za-z0-9_])?$/;
const UTF8_LABEL = /^[A-Za-z0-9_\u0080-\uffff]([A-Za-z0-9_\u0080-\uffff-]*[A-Za-z0-9_\u0080-\uffff])?$/;

/**
 * validHostname - labels of letters, digits, `-` and `_` (with `utf8`, also non-ASCII, as
 * with smtputf8_enable), none empty, longer than 63 or starting or ending with `-`; at
 * most 255 characters; not all numeric (an IP address is written as `[address]`).
 */
export function validHostname(name: string, opts: { utf8?: boolean } = {}): boolean {
  if (name.length === 0 || name.length > 255) return false;
  if (/^[0-9.]+$/.test(name)) return false;
  const label = opts.utf8 ? UTF8_LABEL : ASCII_LABEL;
  return name.split('.').every((l) => l.length <= 63 && label.test(l));
}

/** validAddressLiteral - `[192.0.2.1]` or `[IPv6:2001:db8::1]`, well formed. */
export function validAddressLiteral(name: string): boolean {
  const m = /^\[(.*)\]$/.exec(name);
  if (!m) return false;
  const inner = m[1] as string;
  return /^ipv6:/i.test(inner) ? net.isIPv6(inner.slice(5)) : net.isIPv4(inner);
}
