/*
 * addr-map - address mapping as Postfix's cleanup does it:
 *   mapAddress  one table lookup in canonical(5)/virtual(5) key order, the result
 *               split into addresses, each rewritten to standard form, with the
 *               unmatched address extension propagated (propagate_unmatched_extensions)
 *               and `@domain` results completed with the original local part;
 *   map11       canonical mapping: one address to one, repeated while it changes;
 *   map1n       virtual alias expansion: one address to many, recursively, with loop
 *               detection and virtual_alias_{expansion,recursion,address_length}_limit;
 *   masquerade  masquerade_domains / masquerade_exceptions.
 * Table failures throw CleanupFailure (the message is deferred). Used by envelope.ts
 * and headers.ts; parameters come in through MappingSettings.
 */
import { lookupAddress, parseTableAddresses, splitAddress, TableLookupError, type AddressResolver, type Logger } from '@mailroom/global';
import type { MappingSettings, NamedMaps } from './settings.js';
import { CleanupFailure, FAIL } from './state.js';

/** What the mapping functions need besides the settings. */
export interface MapContext {
  settings: MappingSettings;
  rewriter: Pick<AddressResolver, 'rewrite'>;
  log: Logger;
  queueId: string;
}

/** Postfix's limit on canonical mapping chains (cleanup_map11 MAX_RECURSION). */
const MAX_CANONICAL_NESTING = 10;

/** rewriteLocal - standard form in the `local` context (append @$myorigin ...). */
export async function rewriteLocal(ctx: MapContext, address: string): Promise<string> {
  try {
    return await ctx.rewriter.rewrite('local', address);
  } catch (err) {
    ctx.log.warn(`${ctx.queueId}: problem talking to service rewrite: ${(err as Error).message}`);
    throw new CleanupFailure(FAIL.rewrite());
  }
}

/** mapAddress - the table's addresses for `address`, or undefined when it has none. */
export async function mapAddress(ctx: MapContext, maps: NamedMaps, address: string, propagate: boolean): Promise<string[] | undefined> {
  let hit;
  try {
    hit = await lookupAddress(maps.table, address, {
      recipientDelimiter: ctx.settings.recipientDelimiter,
      localDomain: ctx.settings.localDomain,
    });
  } catch (err) {
    if (!(err instanceof TableLookupError)) throw err;
    ctx.log.warn(`${ctx.queueId}: ${maps.name} map lookup problem for ${address} -- message not accepted, try again later`);
    throw new CleanupFailure(FAIL.alias());
  }
  if (!hit) return undefined;
  const { local } = splitAddress(address);
  const ext = propagate && hit.extension ? `${hit.delimiter ?? ''}${hit.extension}` : '';
  const results = hit.value.trim().startsWith('@') ? [hit.value.trim()] : parseTableAddresses(hit.value);
  if (results.length === 0) {
    ctx.log.warn(`${maps.name} lookup of ${address} returns non-address result "${hit.value}"`);
    return undefined;
  }
  return Promise.all(
    results.map(async (r) => {
      if (r.startsWith('@')) {
        // `@otherdomain`: keep the local part (without its extension), as Postfix.
        const user = hit.extension ? local.slice(0, local.length - hit.extension.length - 1) : local;
        return rewriteLocal(ctx, `${user}${r}`);
      }
      const std = await rewriteLocal(ctx, r);
      if (!ext) return std;
      const at = std.lastIndexOf('@');
      return at < 0 ? `${std}${ext}` : `${std.slice(0, at)}${ext}${std.slice(at)}`;
    }),
  );
}

/** map11 - canonical mapping of one address (first result only, repeated until stable). */
export async function map11(ctx: MapContext, maps: NamedMaps, address: string): Promise<string> {
  let addr = address;
  for (let count = 0; count < MAX_CANONICAL_NESTING; count++) {
    const res = await mapAddress(ctx, maps, addr, ctx.settings.propagateCanonical);
    if (!res || res.length === 0) return addr;
    if (res.length > 1) ctx.log.warn(`${ctx.queueId}: multi-valued ${maps.name} entry for ${addr}`);
    const next = res[0] as string;
    const self = next.toLowerCase() === addr.toLowerCase();
    addr = next;
    if (self) return addr;
  }
  ctx.log.warn(`${ctx.queueId}: unreasonable ${maps.name} map nesting for ${address} -- message not accepted, try again later`);
  throw new CleanupFailure(FAIL.write());
}

/** map1n - virtual alias expansion of one recipient into one or more addresses. */
export async function map1n(ctx: MapContext, maps: NamedMaps, address: string): Promise<string[]> {
  const s = ctx.settings;
  const fail = (what: string): never => {
    ctx.log.warn(`${ctx.queueId}: unreasonable ${maps.name} ${what} for ${address} -- message not accepted, try again later`);
    throw new CleanupFailure(FAIL.alias());
  };
  const out = [address];
  // Addresses that expanded into themselves: not expanded again (lower case).
  const fixed = new Set<string>();
  for (let i = 0; i < out.length; i++) {
    if (out.length > s.expansionLimit) fail('map expansion size');
    for (let count = 0; ; count++) {
      const cur = out[i] as string;
      if (fixed.has(cur.toLowerCase())) break;
      if (count >= s.recursionLimit) fail('map nesting');
      const res = await mapAddress(ctx, maps, cur, s.propagateVirtual);
      if (!res) break;
      res.forEach((r, k) => {
        if (r.length > s.addressLengthLimit) fail(`result ${r.slice(0, 300)}...`);
        if (k === 0) out[i] = r;
        else out.push(r);
        if (r.toLowerCase() === cur.toLowerCase()) fixed.add(cur.toLowerCase());
      });
    }
  }
  return out;
}

/** masquerade - strip subdomains per masquerade_domains; `!domain` exempts a domain. */
export function masquerade(address: string, domains: readonly string[], exceptions: ReadonlySet<string>): string {
  const at = address.lastIndexOf('@');
  if (at < 0 || domains.length === 0) return address;
  if (exceptions.size > 0 && exceptions.has(address.slice(0, at).toLowerCase())) return address;
  const domain = address.slice(at + 1).toLowerCase();
  for (const entry of domains) {
    let masq = entry;
    let truncate = true;
    while (masq.startsWith('!')) {
      truncate = !truncate;
      masq = masq.slice(1);
    }
    masq = masq.toLowerCase();
    if (!masq) continue;
    if (masq === domain) break;
    if (masq.length < domain.length && domain.endsWith(`.${masq}`)) {
      return truncate ? `${address.slice(0, at + 1)}${masq}` : address;
    }
  }
  return address;
}
