/*
 * rewrite - the "rewrite to standard form" rule sets of trivial-rewrite (Postfix's
 * rewrite_tree), on internal-form addresses:
 *   - the null address stays null, and a lone `@` becomes null;
 *   - a source route `@a,@b:user@domain` is stripped to `user@domain`;
 *   - an address without `@`: `site!user` → `user@site` (swap_bangpath), else
 *     `user%domain` → `user@domain` (allow_percent_hack), else `user` → `user@$myorigin`
 *     (append_at_myorigin; the `remote` rule set appends $remote_header_rewrite_domain);
 *   - a domain without a dot gets `.$mydomain` (append_dot_mydomain; `remote`:
 *     $remote_header_rewrite_domain), address literals excepted;
 *   - one trailing dot of the domain is removed (not `..` nor `@.`).
 * The local part is never changed otherwise (recipient_delimiter extensions stay), and
 * the domain keeps its case, as Postfix's does. A local part that needs quoting (spaces,
 * `@`...) is one quoted string to Postfix, so its `!` and `%` are not routing operators here.
 * Used by the rewrite request and by the resolver's loop (resolve-address.ts).
 */
import { needsQuoting } from '@mailroom/global';
import type { RewriteSettings } from './settings.js';

/** The parameters of one rule set (Postfix's RWR_CONTEXT plus the switches). */
export interface RewriteContext {
  /** Appended as `@origin` to addresses without a domain ('' = nothing). */
  readonly origin: string;
  /** Appended as `.domain` to domains without a dot ('' = nothing). */
  readonly domain: string;
  readonly appendAtOrigin: boolean;
  readonly appendDotDomain: boolean;
  readonly swapBangpath: boolean;
  readonly percentHack: boolean;
}

/** rewriteContext - the `local` (myorigin, mydomain) or `remote` rule set. */
export function rewriteContext(s: RewriteSettings, rule: 'local' | 'remote'): RewriteContext {
  const remote = rule === 'remote';
  return {
    origin: remote ? s.remoteRewriteDomain : s.myorigin,
    domain: remote ? s.remoteRewriteDomain : s.mydomain,
    appendAtOrigin: s.appendAtMyorigin,
    appendDotDomain: s.appendDotMydomain,
    swapBangpath: s.swapBangpath,
    percentHack: s.percentHack,
  };
}

/** An address taken apart: domain undefined when there is no `@` at all. */
export interface Parts {
  local: string;
  domain: string | undefined;
}

/** parts - split at the last `@`, keeping a trailing dot (splitAddress drops it). */
export function parts(address: string): Parts {
  const at = address.lastIndexOf('@');
  return at < 0 ? { local: address, domain: undefined } : { local: address.slice(0, at), domain: address.slice(at + 1) };
}

/** join - the inverse of parts. */
export function join(p: Parts): string {
  return p.domain === undefined ? p.local : `${p.local}@${p.domain}`;
}

/** swapRouting - `site!user` → user@site, else `user%site` → user@site; undefined when neither applies. */
export function swapRouting(local: string, ctx: Pick<RewriteContext, 'swapBangpath' | 'percentHack'>): Parts | undefined {
  const bang = ctx.swapBangpath ? local.indexOf('!') : -1;
  if (bang >= 0) return { local: local.slice(bang + 1), domain: local.slice(0, bang) };
  const pct = ctx.percentHack ? local.lastIndexOf('%') : -1;
  if (pct >= 0) return { local: local.slice(0, pct), domain: local.slice(pct + 1) };
  return undefined;
}

/** finishDomain - append .domain to a dotless domain, then strip one trailing dot. */
export function finishDomain(p: Parts, ctx: Pick<RewriteContext, 'domain' | 'appendDotDomain'>): Parts {
  let d = p.domain;
  if (d === undefined) return p;
  if (ctx.appendDotDomain && ctx.domain && d !== '' && !d.startsWith('[') && !d.includes('.')) d = `${d}.${ctx.domain}`;
  if (d.length >= 2 && d.endsWith('.') && d[d.length - 2] !== '.') d = d.slice(0, -1);
  return { local: p.local, domain: d };
}

/** stripSourceRoute - `@a,@b:user@domain` → `user@domain`. */
export function stripSourceRoute(address: string): string {
  if (!address.startsWith('@')) return address;
  const colon = address.indexOf(':');
  return colon > 0 && colon < address.length - 1 ? address.slice(colon + 1) : address;
}

/** rewriteAddress - an internal-form address in standard form under `ctx`. */
export function rewriteAddress(address: string, ctx: RewriteContext): string {
  if (address === '' || address === '@') return '';
  let p = parts(stripSourceRoute(address));
  if (p.domain === undefined) {
    const routed = needsQuoting(p.local) ? undefined : swapRouting(p.local, ctx);
    if (routed) p = routed;
    else if (ctx.appendAtOrigin && ctx.origin) p = { local: p.local, domain: ctx.origin };
  }
  return join(finishDomain(p, ctx));
}

