/*
 * services - what one smtpd process builds once and every session shares: settings,
 * the restriction checks with their lookups (tables, mynetworks, trivial-rewrite,
 * DNS, recipient validation), the connection limits, the client hostname lookup and
 * the way into cleanup. Tests replace the outside parts (resolve, cleanup, DNS).
 * Reads (through settings.ts, dnsConfig, RewriteClient and CleanupClient): smtpd's parameters,
 * dns_servers, queue_directory, rewrite_service_name, cleanup_service_name, ipc_*.
 */
import { dnsConfig, DnsResolver, RewriteClient, type Config, type Logger, type ResolveReply } from '@mailroom/global';
import { cleanupOpener, type OpenCleanup } from './cleanup-sink.js';
import type { BareNewlineMode } from './data.js';
import { ClientLimits } from './limits.js';
import { SmtpdTables } from './maps.js';
import { NetMatcher } from './netmatch.js';
import { lookupPeer, type PeerName } from './peer.js';
import { RecipientValidator } from './recipients.js';
import { Restrictions } from './restrictions/checks.js';
import type { CheckServices, DnsLookup } from './restrictions/context.js';
import { RELAY_GUARDS } from './restrictions/list.js';
import { readSettings, type SmtpdSettings } from './settings.js';

export interface SmtpdService {
  readonly settings: SmtpdSettings;
  readonly log: Logger;
  readonly restrictions: Restrictions;
  readonly limits: ClientLimits;
  /** Hostname facts of a client address. */
  peer(addr: string): Promise<PeerName>;
  /** The bare newline policy for a client (exclusions applied). */
  newlineMode(name: string, addr: string): Promise<BareNewlineMode>;
  readonly openCleanup: OpenCleanup;
}

/** trivial-rewrite's resolve (RewriteClient caches its answers for a few seconds). */
export type Resolve = (sender: string, address: string) => Promise<ResolveReply>;

/** The outside world; tests pass fakes. */
export interface ServiceDeps {
  resolve?: Resolve;
  openCleanup?: OpenCleanup;
  dns?: DnsLookup;
}

/** relayGuarded - Postfix refuses to run an open relay by accident: one of RELAY_GUARDS must be listed. */
export function relayGuarded(settings: SmtpdSettings): boolean {
  const { relay, recipient } = settings.lists;
  return [...relay.list, ...recipient.list].some((r) => RELAY_GUARDS.has(r.name));
}

/** createService - build the shared parts for `config` (throws ConfigError, Error for bad dns_servers). */
export function createService(config: Config, service: string, log: Logger, deps: ServiceDeps = {}): SmtpdService {
  const settings = readSettings(config);
  for (const w of settings.warnings) log.warn(w);
  const warn = (msg: string): void => log.warn(msg);
  const tables = new SmtpdTables({ warn });
  const open = (spec: string) => tables.open(spec);
  const matcher = (items: readonly string[], name: string): NetMatcher => {
    const m = new NetMatcher(items, settings.parentMatchesMynetworks, open);
    for (const e of m.errors) warn(`${name}: ignoring bad entry: ${e}`);
    return m;
  };
  const mynetworks = matcher(settings.mynetworks, 'mynetworks');
  const exceptions = matcher(settings.eventLimitExceptions, 'smtpd_client_event_limit_exceptions');
  const bareExclusions = matcher(settings.bareNewlineExclusions, 'smtpd_forbid_bare_newline_exclusions');
  let dns = deps.dns;
  if (!dns) {
    const conf = dnsConfig(config);
    dns = new DnsResolver({ servers: conf.servers, timeoutMs: conf.timeoutMs, attempts: conf.attempts });
  }
  let resolve = deps.resolve;
  if (!resolve) {
    const rewrite = RewriteClient.fromConfig(config);
    resolve = (sender, address) => rewrite.resolve(sender, address);
  }
  const safeMaps = (list: string[], name: string) => {
    try {
      return tables.maps(list);
    } catch (err) {
      warn(`${name}: ${(err as Error).message}`);
      return { type: 'fail', name, flags: { foldCase: false, fixed: true, pattern: false }, close() {}, get: () => Promise.reject(err) };
    }
  };
  const validator = new RecipientValidator(
    {
      local: safeMaps(settings.maps.local, 'local_recipient_maps'),
      relay: safeMaps(settings.maps.relay, 'relay_recipient_maps'),
      virtualAlias: safeMaps(settings.maps.virtualAlias, 'virtual_alias_maps'),
      virtualMailbox: safeMaps(settings.maps.virtualMailbox, 'virtual_mailbox_maps'),
    },
    settings.recipients,
    resolve,
    warn,
  );
  const checkServices: CheckServices = {
    settings: settings.restriction,
    inMynetworks: (client) => mynetworks.matches(client.name, client.addr),
    table: open,
    resolve,
    dns,
    checkRecipient: (a) => validator.recipient(a),
    checkSender: (a) => validator.sender(a),
    warn,
  };
  const exempt = async (m: NetMatcher, name: string, addr: string): Promise<boolean> => {
    try {
      return await m.matches(name, addr);
    } catch (err) {
      warn(`${(err as Error).message}`);
      return false;
    }
  };
  const limits = new ClientLimits(
    {
      countLimit: settings.connectionCountLimit,
      rateLimit: settings.connectionRateLimit,
      rateUnitMs: settings.rateUnitMs,
      exempt: (name, addr) => exempt(exceptions, name, addr),
    },
    settings.myhostname,
    service,
  );
  const peerDns = settings.peernameLookup ? dns : undefined;
  return {
    settings,
    log,
    restrictions: new Restrictions(settings.lists, checkServices),
    limits,
    peer: (addr) => lookupPeer(addr, peerDns),
    newlineMode: async (name, addr) => ((await exempt(bareExclusions, name, addr)) ? 'no' : settings.bareNewline),
    openCleanup: deps.openCleanup ?? cleanupOpener(config),
  };
}
