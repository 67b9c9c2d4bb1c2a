/*
 * resolve - a recipient to (address class, transport, next hop, recipient, flags), as
 * Postfix's trivial-rewrite resolve_addr():
 *   1. resolve-address.ts strips local domains and routing: local or not, ERROR, ROUTED;
 *   2. the class: local (mydestination, our address literals) → $local_transport;
 *      virtual_alias_domains → error:"User unknown in virtual alias table";
 *      virtual_mailbox_domains → $virtual_transport; relay_domains → $relay_transport;
 *      else default → $default_transport (or sender_dependent_default_transport_maps);
 *      relay and default get the next hop sender_dependent_relayhost_maps, $relayhost or
 *      the recipient domain; a `transport:nexthop` parameter value sets the next hop;
 *   3. transport_maps override (not for the alias class), then relocated_maps.
 * Any table failure gives the FAIL flag (the caller defers), never a wrong answer.
 * Reads (through RewriteSettings): see settings.ts; show_user_unknown_table_name,
 * helpful_warnings, allow_min_user, config_directory (for a warning).
 */
import { lookupAddress, RESOLVE_FLAG, splitAddress, TableLookupError, type AddressClass, type LookupTable, type ResolveReply } from '@mailroom/global';
import type { LocalDomains } from './local-domain.js';
import type { MatchList } from './match-list.js';
import { resolveAddress } from './resolve-address.js';
import type { RewriteSettings } from './settings.js';
import type { Route, TransportMaps } from './transport.js';

export interface ResolverParts {
  settings: RewriteSettings;
  local: LocalDomains;
  virtualAlias: MatchList;
  virtualMailbox: MatchList;
  relay: MatchList;
  transport?: TransportMaps;
  senderRelayhost?: LookupTable;
  senderTransport?: LookupTable;
  relocated?: LookupTable;
  warn(msg: string): void;
}

/** A table failed; already logged. */
class LookupFailure extends Error {}

const reply = (cls: AddressClass, route: Route, recipient: string, flags: number): ResolveReply => ({
  op: 'resolve',
  class: cls,
  transport: route.transport,
  nexthop: route.nexthop,
  recipient,
  flags,
});

export class Resolver {
  constructor(private readonly r: ResolverParts) {}

  /** resolve - the answer for `address` from `sender` ('' = null sender); FAIL on a lookup error. */
  async resolve(sender: string, address: string): Promise<ResolveReply> {
    try {
      return await this.resolveOrThrow(sender, address);
    } catch (err) {
      if (!(err instanceof LookupFailure)) this.r.warn(`resolve <${address}>: ${(err as Error).message}`);
      return reply('default', { transport: '', nexthop: '' }, address, RESOLVE_FLAG.FAIL);
    }
  }

  private async resolveOrThrow(sender: string, address: string): Promise<ResolveReply> {
    const { r } = this;
    const s = r.settings;
    const a = await this.guard('mydestination', () => resolveAddress(address, s, (d) => r.local.isLocal(d), r.warn));
    if (a.flags & RESOLVE_FLAG.ERROR) return reply('default', { transport: 'error', nexthop: '5.1.3 bad address syntax' }, a.recipient, a.flags);
    const d = a.domain;
    let cls: AddressClass;
    let channel: string;
    let nexthop = d;
    let blame: string;
    if (a.local) {
      await this.warnBoth(d, 'mydestination', r.virtualAlias, r.virtualMailbox);
      [cls, channel, blame] = ['local', s.localTransport, 'local_transport'];
    } else if (await this.guard(r.virtualAlias.param, () => r.virtualAlias.match(d))) {
      await this.warnBoth(d, r.virtualAlias.param, r.virtualMailbox, r.relay);
      [cls, channel, blame] = ['alias', 'error', r.virtualAlias.param];
      nexthop = `User unknown${s.showUnknownTable ? ' in virtual alias table' : ''}`;
    } else if (await this.guard(r.virtualMailbox.param, () => r.virtualMailbox.match(d))) {
      await this.warnBoth(d, r.virtualMailbox.param, r.relay);
      [cls, channel, blame] = ['virtual', s.virtualTransport, 'virtual_transport'];
    } else {
      if (await this.guard(r.relay.param, () => r.relay.match(d))) {
        [cls, channel, blame] = ['relay', s.relayTransport, 'relay_transport'];
      } else {
        const own = await this.bySender(r.senderTransport, sender, s.nullTransportKey, 'sender_dependent_default_transport_maps');
        [cls, channel, blame] = ['default', own ?? s.defaultTransport, own ? 'sender_dependent_default_transport_maps' : 'default_transport'];
      }
      const relay = await this.bySender(r.senderRelayhost, sender, s.nullRelayhostKey, 'sender_dependent_relayhost_maps');
      nexthop = relay ?? (s.relayhost || d);
    }
    // `local:$myhostname`: the parameter's own next hop wins (one queue for all local mail).
    const colon = channel.indexOf(':');
    if (colon >= 0) {
      if (colon < channel.length - 1) nexthop = channel.slice(colon + 1);
      channel = channel.slice(0, colon);
    }
    if (!channel) {
      r.warn(`file ${s.configDir}/main.cf: parameter ${blame}: null transport is not allowed`);
      throw new LookupFailure();
    }
    let route: Route = { transport: channel, nexthop };
    if (r.transport && cls !== 'alias') route = await this.guard('transport_maps', () => r.transport!.lookup(a.recipient, d, route));
    const moved = r.relocated ? await this.guard('relocated_maps', () => this.addressLookup(r.relocated!, a.recipient)) : undefined;
    if (moved !== undefined) route = { transport: 'error', nexthop: `5.1.6 User has moved to ${moved}` };
    let flags = a.flags;
    // An address starting with `-` could pass as an option to a pipe command.
    if (!s.allowMinUser && a.recipient.startsWith('-')) {
      flags |= RESOLVE_FLAG.ERROR;
      route = { transport: 'error', nexthop: '5.1.3 bad address syntax' };
    }
    return reply(cls, route, a.recipient, flags);
  }

  /** guard - run a lookup; a table failure is logged as Postfix does and becomes FAIL. */
  private async guard<T>(param: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      if (!(err instanceof TableLookupError)) throw err;
      this.r.warn(`${param} lookup failure: ${err.message}`);
      throw new LookupFailure();
    }
  }

  /** addressLookup - virtual(5)-style search (user@domain, user for our domains, @domain). */
  private async addressLookup(table: LookupTable, address: string): Promise<string | undefined> {
    const s = this.r.settings;
    const { domain } = splitAddress(address);
    const ours = domain !== '' && (domain.toLowerCase() === s.myorigin.toLowerCase() || (await this.r.local.isLocal(domain)));
    return (await lookupAddress(table, address, { recipientDelimiter: s.recipientDelimiter, localDomain: ours }))?.value;
  }

  /** bySender - a sender_dependent_* result; DUNNO or nothing: undefined. */
  private async bySender(table: LookupTable | undefined, sender: string, nullKey: string, param: string): Promise<string | undefined> {
    if (!table) return undefined;
    const key = sender || nullKey;
    const value = await this.guard(param, () => this.addressLookup(table, key));
    if (value === undefined || value.toUpperCase() === 'DUNNO') return undefined;
    if (value.trim() === '') {
      this.r.warn(`${param}: ignoring null lookup result for ${key}`);
      return undefined;
    }
    return value.trim();
  }

  /** warnBoth - helpful_warnings: the domain is also in other class lists. */
  private async warnBoth(domain: string, param: string, ...others: MatchList[]): Promise<void> {
    if (!this.r.settings.helpfulWarnings) return;
    for (const o of others) {
      const hit = await o.match(domain).catch(() => false);
      if (hit) this.r.warn(`do not list domain ${domain} in BOTH ${param} and ${o.param}`);
    }
  }
}
