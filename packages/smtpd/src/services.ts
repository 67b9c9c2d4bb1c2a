/*
 * services - what one smtpd process builds once and every session shares: settings,
 * the restriction checks with their lookups (tables, mynetworks, trivial-rewrite,
 * DNS, recipient validation), the connection limits, the client hostname lookup and
 * the way into cleanup. Tests replace the outside parts (resolve, cleanup, DNS).
 * The TLS key and certificates are read by main.ts before privileges are dropped
 * (loadServerTls) and passed in; the SASL backend is made here (sasl/index.ts).
 * Reads (through settings.ts, dnsConfig, RewriteClient and CleanupClient): smtpd's parameters,
 * dns_servers, queue_directory, rewrite_service_name, cleanup_service_name, ipc_*.
 */
import tls from 'node:tls';
import { dnsConfig, DnsResolver, lookupAddress, RewriteClient, splitList, type Config, type Logger, type ResolveReply } from '@mailroom/global';
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
import { createBackend, type SaslBackend } from './sasl/index.js';
import { readSettings, type SmtpdSettings } from './settings.js';
import { loadTlsMaterial, type TlsMaterial, type TlsSettings } from './tls.js';

/** The server's TLS key material, or why there is none (TLS is then not offered). */
export interface ServerTls {
  material?: TlsMaterial;
  why?: string;
}

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
  /** TLS key material (smtpd_tls_security_level may/encrypt, or wrappermode). */
  readonly tls: ServerTls;
  /** The SASL backend when smtpd_sasl_auth_enable = yes and it could be set up. */
  readonly sasl: SaslBackend | undefined;
}

/** trivial-rewrite's resolve (RewriteClient caches its answers for a few seconds). */
export type Resolve = (sender: string, address: string) => Promise<ResolveReply>;

/** The outside world; tests pass fakes. */
export interface ServiceDeps {
  resolve?: Resolve;
  openCleanup?: OpenCleanup;
  dns?: DnsLookup;
  /** Key material read before privileges were dropped (main.ts); tests let it be read here. */
  tls?: ServerTls;
  sasl?: SaslBackend;
}

/** tlsWanted - TLS is configured at all (a security level other than none, or wrappermode). */
export function tlsWanted(s: TlsSettings): boolean {
  return s.level !== 'none' || s.wrappermode;
}

/** loadServerTls - read and check the key and certificates (when TLS is wanted); warn on failure. */
export function loadServerTls(s: TlsSettings, log: Logger): ServerTls {
  if (!tlsWanted(s)) return {};
  const r = loadTlsMaterial(s, (m) =>
    tls.createSecureContext({ key: m.key, cert: m.cert, minVersion: s.minVersion, maxVersion: s.maxVersion, ciphers: s.ciphers }),
  );
  if (r.why) log.warn(`cannot load the TLS server certificate and key: ${r.why}: disabling TLS support`);
  return r;
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
  const senderLogins = safeMaps(settings.maps.senderLogin, 'smtpd_sender_login_maps');
  const checkServices: CheckServices = {
    settings: settings.restriction,
    inMynetworks: (client) => mynetworks.matches(client.name, client.addr),
    table: open,
    resolve,
    dns,
    checkRecipient: (a) => validator.recipient(a),
    checkSender: (a) => validator.sender(a),
    senderLoginOwners: async (sender) => {
      if (!senderLogins) return undefined;
      const m = await lookupAddress(senderLogins, sender, { recipientDelimiter: settings.restriction.recipientDelimiter });
      return m ? splitList(m.value) : undefined;
    },
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
    tls: deps.tls ?? loadServerTls(settings.tls, log),
    sasl: deps.sasl ?? saslBackend(settings, config.get('queue_directory'), warn),
  };
}

/** saslBackend - the backend when AUTH is enabled; a bad smtpd_sasl_type is logged and AUTH stays off. */
function saslBackend(settings: SmtpdSettings, queueDir: string, warn: (msg: string) => void): SaslBackend | undefined {
  if (!settings.sasl.enabled) return undefined;
  try {
    return createBackend(settings.sasl, queueDir, warn);
  } catch (err) {
    warn(`${(err as Error).message}: SASL authentication disabled`);
    return undefined;
  }
}
