/*
 * engine - trivial-rewrite without the socket: the rule sets and the resolver built from
 * one RewriteSettings, with the tables opened once. The daemon (service.ts) puts a cache
 * and the protocol in front of it; tests use it in-process.
 */
import type { ResolveReply, RewriteRule, TableLog } from '@mailroom/global';
import { ownAddresses, type HostLookup } from './interfaces.js';
import { LocalDomains } from './local-domain.js';
import { MatchList } from './match-list.js';
import { Resolver } from './resolve.js';
import { rewriteAddress, rewriteContext, type RewriteContext } from './rewrite.js';
import type { RewriteSettings } from './settings.js';
import { RewriteTables, TableWatch, tableFiles } from './tables.js';
import { TransportMaps } from './transport.js';

export interface EngineOptions {
  /** Warnings (`warn`) and table reload notices (`info`); a pino logger fits. */
  log: TableLog;
  /** Our addresses for [literal] domains; default: from inet_interfaces and proxy_interfaces. */
  ownAddresses?: ReadonlySet<string>;
  /** Host name lookups for inet_interfaces/proxy_interfaces names (tests). */
  lookupHost?: HostLookup;
}

export interface RewriteEngine {
  readonly settings: RewriteSettings;
  /** rewrite - an internal-form address in standard form under the `local` or `remote` rule set. */
  rewrite(rule: RewriteRule, address: string): string;
  /** resolve - class, transport, next hop, recipient and flags for a recipient. */
  resolve(sender: string, address: string): Promise<ResolveReply>;
  /** tablesChanged - a table file that changed since the last call (checked at most once a second). */
  tablesChanged(): string | undefined;
  /** close - release the tables. */
  close(): void;
}

/** createEngine - open the tables and learn our addresses; never fails for a broken table. */
export async function createEngine(settings: RewriteSettings, opts: EngineOptions): Promise<RewriteEngine> {
  const s = settings;
  const warn = (m: string): void => opts.log.warn(m);
  const tables = new RewriteTables(opts.log);
  const open = (spec: string) => tables.open(spec);
  const own = opts.ownAddresses ?? (await ownAddresses(s.inetInterfaces, s.proxyInterfaces, s.inetProtocols, warn, opts.lookupHost));
  const transportTable = tables.maps(s.transportMaps);
  const resolver = new Resolver({
    settings: s,
    local: new LocalDomains(new MatchList('mydestination', s.mydestination, 'string', false, open), own),
    virtualAlias: new MatchList('virtual_alias_domains', s.virtualAliasDomains, 'string', false, open),
    virtualMailbox: new MatchList('virtual_mailbox_domains', s.virtualMailboxDomains, 'string', false, open),
    relay: new MatchList('relay_domains', s.relayDomains, 'domain', s.relayDomainsParent, open),
    transport: transportTable && new TransportMaps(transportTable, s.recipientDelimiter, s.transportMapsParent),
    senderRelayhost: tables.maps(s.senderRelayhostMaps),
    senderTransport: tables.maps(s.senderTransportMaps),
    relocated: tables.maps(s.relocatedMaps),
    warn,
  });
  const contexts: Record<RewriteRule, RewriteContext> = { local: rewriteContext(s, 'local'), remote: rewriteContext(s, 'remote') };
  const watch = new TableWatch(() => tables.specs().flatMap(tableFiles));
  return {
    settings: s,
    rewrite: (rule, address) => rewriteAddress(address, contexts[rule]),
    resolve: (sender, address) => resolver.resolve(sender, address),
    tablesChanged: () => watch.changed(),
    close: () => tables.closeAll(),
  };
}
