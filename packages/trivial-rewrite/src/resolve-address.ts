/*
 * resolve-address - the first half of resolve (Postfix's resolve_addr loop): strip every
 * local domain off the recipient, turn what routing is left inside (`user%host`,
 * `host!user`, a quoted `"user@host"` when resolve_dequoted_address) into user@host and
 * try again, until a remote domain or none is left. The result is the recipient in
 * user@domain form and whether it is local (no remote domain was left). Then the domain's
 * syntax is checked (ERROR) and routing operators left in the local part set ROUTED.
 * Reads (through RewriteSettings): myhostname, mydomain, swap_bangpath,
 * allow_percent_hack, append_dot_mydomain, resolve_dequoted_address, resolve_null_domain,
 * resolve_numeric_domain, empty_address_recipient.
 */
import net from 'node:net';
import { needsQuoting, RESOLVE_FLAG } from '@mailroom/global';
import { validHostname } from './hostname.js';
import { literalAddress } from './interfaces.js';
import { finishDomain, parts, rewriteContext, swapRouting, type Parts, type RewriteContext } from './rewrite.js';
import type { RewriteSettings } from './settings.js';

export interface AddressResult {
  /** The recipient in user@domain form. */
  recipient: string;
  /** Its domain ('' for `user@`). */
  domain: string;
  /** True when no remote domain was left: the local address class. */
  local: boolean;
  /** RESOLVE_FLAG.ERROR and ROUTED bits. */
  flags: number;
}

/** Is `domain` ours? Throws TableLookupError when a table fails. */
export type LocalCheck = (domain: string) => Promise<boolean>;

const NO_DOT = { domain: '', appendDotDomain: false };

/** crackQuoted - routing inside a quoted local part: last `@`, else last `%`, else first `!`. */
function crackQuoted(local: string, ctx: RewriteContext): Parts | undefined {
  if (local.includes('@')) return parts(local);
  const pct = ctx.percentHack ? local.lastIndexOf('%') : -1;
  if (pct >= 0) return { local: local.slice(0, pct), domain: local.slice(pct + 1) };
  return swapRouting(local, { swapBangpath: ctx.swapBangpath, percentHack: false });
}

/** stripLocalDomains - the loop; returns the parts left (domain undefined: local) and the last local domain. */
async function stripLocalDomains(address: string, s: RewriteSettings, isLocal: LocalCheck, warn: (m: string) => void) {
  const ctx = rewriteContext(s, 'local');
  let p = parts(address);
  let saved: string | undefined;
  for (let i = 0; ; i++) {
    if (i > address.length + 100) {
      warn(`resolve_addr: <${address}>: giving up after ${i} iterations`);
      break;
    }
    if (p.domain !== undefined) {
      p = finishDomain(p, NO_DOT);
      if (p.domain === '' && s.resolveNullDomain) p = { local: p.local, domain: undefined };
    }
    if (p.domain !== undefined) {
      if (p.domain !== '' && !(await isLocal(p.domain))) break;
      saved = p.domain;
      p = { local: p.local, domain: undefined };
    }
    const routed = needsQuoting(p.local) ? (s.resolveDequoted ? crackQuoted(p.local, ctx) : undefined) : swapRouting(p.local, ctx);
    if (routed) {
      p = finishDomain(routed, ctx);
      continue;
    }
    if (p.local === '') p = { local: s.emptyAddressRecipient, domain: undefined };
    break;
  }
  return { p, saved };
}

/** resolveAddress - recipient, domain, local or not, ERROR/ROUTED flags. */
export async function resolveAddress(
  address: string,
  s: RewriteSettings,
  isLocal: LocalCheck,
  warn: (m: string) => void,
): Promise<AddressResult> {
  const { p, saved } = await stripLocalDomains(address, s, isLocal, warn);
  let local = p.domain === undefined;
  let domain = p.domain ?? saved ?? s.myhostname;
  let flags = 0;
  if (domain.startsWith('[')) {
    if (literalAddress(domain) === undefined) flags |= RESOLVE_FLAG.ERROR;
  } else if (!validHostname(domain)) {
    if (s.resolveNumericDomain && net.isIP(domain) !== 0) {
      domain = `[${domain}]`;
      if (await isLocal(domain)) local = true;
    } else {
      flags |= RESOLVE_FLAG.ERROR;
    }
  }
  const recipient = `${p.local}@${domain}`;
  if (flags & RESOLVE_FLAG.ERROR) return { recipient, domain, local: false, flags };
  // Routing operators left in the local part, whatever swap_bangpath and
  // allow_percent_hack say here: the next hop may honour them (relay through us).
  if (/[@!%]/.test(p.local)) flags |= RESOLVE_FLAG.ROUTED;
  return { recipient, domain, local, flags };
}
