/*
 * deliver - one delivery request, Postfix's smtp_connect loop: first a cached
 * connection to the same destination (no DNS needed), then the destinations of the
 * next hop in order, their endpoints in order, until every recipient has a final
 * result or the limits are reached (smtp_mx_address_limit addresses,
 * smtp_mx_session_limit sessions that completed the handshake). A recipient that got
 * a 4xx is tried again at the next server; what remains at the end is deferred with
 * the last reason it got (or the last connection failure). `destinationFailed` tells
 * qmgr that no server could be reached at all. Each destination of the next hop has its
 * TLS policy (tls-policy.ts); a cached connection is reused only under the policy and
 * SASL user it was opened with, and a TLS connection only when the policy allows TLS
 * connection reuse. Used by main.ts.
 */
import fs from 'node:fs';
import {
  deferAll, dnsConfig, DnsResolver, queueLogger, tableCache, type DeliverRecipient, type DeliverRequest, type DeliverResult,
  type DeliveryOutcome, type ServiceContext,
} from '@mailroom/global';
import { ConnectionCache } from './cache.js';
import { openSession, type HandshakeContext } from './handshake.js';
import { parseNexthop, type Destination } from './nexthop.js';
import { route } from './route.js';
import { SaslClient } from './sasl.js';
import { relayName, type Endpoint, type Session } from './session.js';
import { loadSettings, type ClientSettings, type Protocol } from './settings.js';
import type { Outcome } from './status.js';
import { loadTlsFiles, type TlsFiles } from './tls.js';
import { TlsPolicies } from './tls-policy.js';
import { transact, type Message } from './transaction.js';

/** What one agent process keeps between requests. */
export interface AgentState {
  settings: ClientSettings;
  /** undefined when DNS is disabled (smtp_dns_support_level = disabled). */
  resolver: DnsResolver | undefined;
  cache: ConnectionCache;
  policies: TlsPolicies;
  files: TlsFiles;
  sasl: SaslClient;
}

/** createAgentState - settings, resolver and connection cache of this process. */
export function createAgentState(ctx: ServiceContext, proto: Protocol): AgentState {
  const settings = loadSettings(ctx.config, proto);
  let resolver: DnsResolver | undefined;
  if (settings.dnsEnabled && settings.hostLookup.includes('dns')) {
    const conf = dnsConfig(ctx.config);
    resolver = new DnsResolver({ servers: conf.servers, timeoutMs: conf.timeoutMs, attempts: conf.attempts });
  }
  const log = ctx.log;
  const maps = (list: string[]) => (list.length > 0 ? tableCache.openMaps(list, { log }) : undefined);
  const policies = new TlsPolicies(settings.tls, maps(settings.tls.policyMaps), log);
  const files = loadTlsFiles(settings.tls);
  if (files.error) log.warn(`cannot load ${settings.proto} TLS certificates or keys: ${files.error}; TLS is unavailable`);
  if (settings.sasl.enabled && settings.sasl.passwordMaps.length === 0) {
    throw new Error(`specify a password table via the \`${settings.sasl.prefix}password_maps' configuration parameter`);
  }
  const sasl = new SaslClient(settings.sasl, settings.sasl.enabled ? maps(settings.sasl.passwordMaps) : undefined);
  return { settings, resolver, cache: new ConnectionCache(settings), policies, files, sasl };
}

/** cachedUsable - a cached connection was set up under the policy and credentials that apply now. */
async function cachedUsable(session: Session, dests: readonly Destination[], st: AgentState, log: ReturnType<typeof queueLogger>): Promise<boolean> {
  const dest = dests.find((d) => d.text === session.destination);
  if (!dest) return false;
  const p = await st.policies.lookup(dest, log);
  if (!p.ok) return false;
  const creds = st.sasl.enabled ? await st.sasl.credentials(session.endpoint, dest).catch(() => undefined) : undefined;
  return session.setup === `${p.policy.signature}|${creds?.user ?? ''}`;
}

const NON_ASCII = /[^\x00-\x7f]/;

/** headersNonAscii - the message header holds 8-bit bytes (read once, only for SMTPUTF8 mail). */
function headersNonAscii(req: DeliverRequest): boolean {
  const fd = fs.openSync(req.path, 'r');
  try {
    const buf = Buffer.alloc(Math.min(req.contentSize, 64 * 1024));
    const n = fs.readSync(fd, buf, 0, buf.length, req.contentOffset);
    const head = buf.subarray(0, n);
    const end = head.indexOf('\n\n') >= 0 ? head.indexOf('\n\n') : head.indexOf('\r\n\r\n');
    return head.subarray(0, end < 0 ? n : end).some((b) => b > 0x7f);
  } finally {
    fs.closeSync(fd);
  }
}

function messageOf(req: DeliverRequest): Message {
  const envelopeUtf8 = NON_ASCII.test(req.sender) || req.recipients.some((r) => NON_ASCII.test(r.address));
  return {
    sender: req.sender,
    envid: req.envid,
    ret: req.ret,
    smtputf8: req.smtputf8 === true,
    needsUtf8: envelopeUtf8 || (req.smtputf8 === true && headersNonAscii(req)),
    eightBit: (req.attributes.encoding ?? '').toLowerCase() === '8bit',
    content: { path: req.path, contentOffset: req.contentOffset, contentSize: req.contentSize },
  };
}

interface Attempt {
  outcome: Outcome;
  relay: string;
  remoteMta?: string;
}

/** deliverRequest - deliver one request; every recipient gets a result. */
export async function deliverRequest(req: DeliverRequest, ctx: ServiceContext, st: AgentState): Promise<DeliveryOutcome> {
  const s = st.settings;
  const log = queueLogger(ctx.log, req.queueId);
  const nexthop = req.nexthop || (req.recipients[0]?.address.split('@').pop() ?? '');
  const dests = parseNexthop(nexthop, s.lmtp, s.defaultPort);
  if (typeof dests === 'string') {
    log.warn(`${req.transport}: ${dests}`);
    return { results: deferAll(req, '4.3.5', `mail system configuration error: ${dests}`) };
  }
  const t0 = Date.now();
  const msg = messageOf(req);
  const key = `${req.transport}/${nexthop.toLowerCase()}`;
  const caching = st.cache.enabled(nexthop);
  const final = new Map<number, DeliverResult>();
  const soft = new Map<number, DeliverResult>();
  let pending: DeliverRecipient[] = [...req.recipients];
  let site: Attempt | undefined;
  let talked = 0;
  const tried = new Set<string>();

  const result = (o: Outcome, a: Omit<Attempt, 'outcome'>, rc: DeliverRecipient, ready: number): DeliverResult => ({
    offset: rc.offset, status: o.status, dsn: o.dsn, reason: o.reason, relay: a.relay, remoteMta: a.remoteMta,
    connectSeconds: (ready - t0) / 1000, transmitSeconds: (Date.now() - ready) / 1000,
  });
  const settle = (list: readonly DeliverRecipient[], get: (rc: DeliverRecipient) => Attempt | undefined, ready: number): void => {
    for (const rc of list) {
      const a = get(rc);
      if (!a) continue;
      const r = result(a.outcome, a, rc, ready);
      if (a.outcome.status === 'deferred') soft.set(rc.offset, r);
      else {
        final.set(rc.offset, r);
        soft.delete(rc.offset);
      }
    }
    pending = pending.filter((rc) => !final.has(rc.offset));
  };
  /** run - one transaction; false when a cached session turned out dead. */
  const run = async (session: Session, reused: boolean, ready: number): Promise<boolean> => {
    const ep = session.endpoint;
    const tx = await transact(session, msg, pending, s, reused);
    if (tx.stale) return false;
    talked++;
    tried.add(endpointKey(ep));
    const where = { relay: relayName(ep), remoteMta: `dns; ${ep.host}` };
    settle(pending, (rc) => {
      const o = tx.outcomes.get(rc.offset);
      return o && { outcome: o, ...where };
    }, ready);
    if (tx.reusable && caching && session.cacheable) st.cache.put(key, session);
    else session.quit();
    return true;
  };

  for (let cached = st.cache.take(key); cached; cached = st.cache.take(key)) {
    if (!(await cachedUsable(cached, dests, st, log))) {
      cached.quit(); // set up under another TLS policy or other credentials
      continue;
    }
    if (await run(cached, true, Date.now())) break;
    log.debug(`cached connection to ${relayName(cached.endpoint)} was closed; trying another`);
  }

  let sessions = talked;
  let addresses = 0;
  const hc: HandshakeContext = {
    s, files: st.files, sasl: st.sasl, log, loopLabel: nexthop,
    retried: (req.activeTime ?? Date.now()) - req.arrivalTime >= s.minimalBackoff * 1000,
  };
  outer: for (const d of dests) {
    if (pending.length === 0) break;
    const policy = await st.policies.lookup(d, log);
    if (!policy.ok) {
      site = { outcome: policy.outcome, relay: 'none' };
      continue;
    }
    const r = await route(d, s, st.resolver);
    if (!r.ok) {
      site = { outcome: r.outcome, relay: 'none' };
      continue;
    }
    for (const ep of r.endpoints) {
      if (pending.length === 0) break outer;
      if (tried.has(endpointKey(ep))) continue;
      if (s.mxAddressLimit > 0 && addresses >= s.mxAddressLimit) break outer;
      if (s.mxSessionLimit > 0 && sessions >= s.mxSessionLimit) break outer;
      addresses++;
      tried.add(endpointKey(ep));
      const h = await openSession(ep, d, policy.policy, hc);
      if (!h.ok) {
        site = h.connected
          ? { outcome: h.outcome, relay: relayName(ep), remoteMta: `dns; ${ep.host}` }
          : { outcome: h.outcome, relay: 'none' };
        if (h.outcome.status === 'bounced') {
          settle(pending, () => site, Date.now()); // a 5xx greeting (not skipped) or a mail loop: final for all
          break outer;
        }
        continue;
      }
      sessions++;
      await run(h.session, false, Date.now());
    }
  }
  const end = Date.now();
  const last = site;
  settle(pending, (rc) => (soft.has(rc.offset) ? undefined : last), end);
  for (const [offset, r] of soft) if (!final.has(offset)) final.set(offset, r);
  const results = req.recipients.map((rc) => final.get(rc.offset)).filter((r): r is DeliverResult => r !== undefined);
  const failed = talked === 0 && site?.outcome.status === 'deferred';
  return failed ? { results, destinationFailed: true } : { results };
}

function endpointKey(ep: Endpoint): string {
  return `${ep.addr}:${ep.port ?? ''}`;
}
