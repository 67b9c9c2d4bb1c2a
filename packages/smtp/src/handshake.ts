/*
 * handshake - open a session ready for mail: connect, read the greeting, EHLO (HELO
 * when EHLO is refused) or LHLO, STARTTLS as the destination's TLS policy says, and
 * SASL AUTH. SMTP only: a server that calls itself $myhostname is us, and the mail would
 * loop (5.4.6). TLS, in Postfix's words (smtp_proto.c):
 *   - may: STARTTLS when offered; a refused STARTTLS goes on in clear; a failed TLS
 *     handshake defers (4.7.5 `Cannot start TLS: handshake failure`, next server) unless
 *     the message already waited minimal_backoff_time and no SASL credentials exist for
 *     the server: then the same server is tried again in clear;
 *   - encrypt and up never send in clear: `TLS is required, but was not offered by host
 *     ...` (4.7.4), `TLS is required, but host ... refused to start TLS: <reply>`;
 *   - fingerprint, verify, secure: a certificate that is not verified (trust chain from
 *     smtp_tls_CAfile/CApath and a matching name, or a listed fingerprint) defers with
 *     4.7.5 `Server certificate not verified`.
 * Used by deliver.ts.
 */
import { strerror, type Logger } from '@mailroom/global';
import type { Destination } from './nexthop.js';
import { parseCapabilities, replyClass, replyDsn, replyText, type Reply } from './reply.js';
import type { SaslClient } from './sasl.js';
import { endpointName, relayName, Session, SessionLost, type Endpoint } from './session.js';
import type { ClientSettings } from './settings.js';
import { connectFailed, lost, refused, said, soften, statusOf, type Outcome } from './status.js';
import { judge, tlsOptions, type TlsFiles } from './tls.js';
import { mustEncrypt, mustMatch, type TlsPolicy } from './tls-policy.js';

export type HandshakeResult =
  | { ok: true; session: Session }
  /** `connected`: a server answered (relay= names it) — or not (relay=none). */
  | { ok: false; outcome: Outcome; connected: boolean };

/** What a handshake needs beyond the endpoint. */
export interface HandshakeContext {
  s: ClientSettings;
  files: TlsFiles;
  sasl: SaslClient;
  log: Logger;
  /** The next hop, for the mail-loop message. */
  loopLabel: string;
  /** The message waited minimal_backoff_time before this attempt (plaintext fallback allowed at `may`). */
  retried: boolean;
}

/** openSession - a session that completed the handshake, or why there is none. */
export async function openSession(ep: Endpoint, dest: Destination, policy: TlsPolicy, hc: HandshakeContext, tlsAllowed = true): Promise<HandshakeResult> {
  const { s, log } = hc;
  let session: Session;
  try {
    session = await Session.connect(ep, s.timeouts.connect);
  } catch (err) {
    return { ok: false, outcome: connectFailed(ep, strerror(err as NodeJS.ErrnoException)), connected: false };
  }
  session.destination = dest.text;
  const fail = (outcome: Outcome): HandshakeResult => {
    session.quit();
    return { ok: false, outcome, connected: true };
  };
  try {
    const greeting = await session.reply(s.timeouts.helo, 'receiving the initial server greeting');
    if (replyClass(greeting) !== 2) {
      const o = refused(ep, greeting);
      return fail(s.skip5xxGreeting ? soften(o) : o);
    }
    const failed = await hello(session, s);
    if (failed) return fail(failed);
    if (!s.lmtp && session.serverName && session.serverName.toLowerCase() === s.myhostname.toLowerCase()) {
      return fail({ status: 'bounced', dsn: '5.4.6', reason: `mail for ${hc.loopLabel} loops back to myself` });
    }
    const level = session.isTcp ? policy.level : 'none';
    const offered = session.caps.has('STARTTLS');
    if (offered && level === 'none' && s.tls.noteOffer) log.info(`Host offered STARTTLS: [${ep.host}]`);
    if (level !== 'none' && tlsAllowed) {
      const engine = hc.files.error === undefined;
      if (offered && engine) {
        session.send(['STARTTLS']);
        const r = await session.reply(s.timeouts.starttls, 'receiving the STARTTLS response');
        if (replyClass(r) === 2) {
          const started = await startTls(session, ep, dest, policy, hc);
          if (started === 'fallback') return openSession(ep, dest, policy, hc, false);
          if (started) return fail(started);
        } else if (!session.alive) {
          return { ok: false, outcome: said(ep, r, 'STARTTLS'), connected: true };
        } else if (mustEncrypt(level)) {
          return fail({ status: statusOf(r), dsn: replyDsn(r), reason: `TLS is required, but host ${endpointName(ep)} refused to start TLS: ${replyText(r)}` });
        } else {
          session.caps.delete('STARTTLS');
        }
      }
      if (mustEncrypt(level) && !session.tls) {
        if (!offered) return fail({ status: 'deferred', dsn: '4.7.4', reason: `TLS is required, but was not offered by host ${endpointName(ep)}` });
        return fail({ status: 'deferred', dsn: '4.7.5', reason: 'TLS is required, but our TLS engine is unavailable' });
      }
    }
    const creds = hc.sasl.enabled ? await hc.sasl.credentials(ep, dest) : undefined;
    if (creds && session.caps.has('AUTH')) {
      const failure = await hc.sasl.login(session, creds, s.timeouts.helo, log);
      if (failure) return fail(failure);
    }
    session.setup = `${policy.signature}|${creds?.user ?? ''}`;
    session.cacheable = !session.tls || policy.connectionReuse;
    return { ok: true, session };
  } catch (err) {
    session.close();
    if (err instanceof SessionLost) return { ok: false, outcome: lost(ep, err), connected: true };
    if (err instanceof Error && err.name === 'TableLookupError') {
      log.warn(`${s.sasl.prefix}password_maps lookup error: ${err.message}`);
      return { ok: false, outcome: { status: 'deferred', dsn: '4.3.0', reason: 'Temporary lookup error' }, connected: true };
    }
    throw err;
  }
}

/**
 * startTls - the TLS handshake after a 2xx to STARTTLS, the certificate check and the
 * second EHLO: undefined when the session may go on, `fallback` to try again in clear,
 * or the failure.
 */
async function startTls(session: Session, ep: Endpoint, dest: Destination, policy: TlsPolicy, hc: HandshakeContext): Promise<Outcome | 'fallback' | undefined> {
  const { s, log } = hc;
  let sock;
  try {
    sock = await session.startTls(tlsOptions(hc.files, policy, ep, dest), s.timeouts.starttls);
  } catch (err) {
    if (s.tls.loglevel >= 1 || policy.level !== 'may') log.info(`TLS handshake failed with ${relayName(ep)}: ${(err as Error).message}`);
    if (policy.level === 'may' && hc.retried && !(await hc.sasl.credentials(ep, dest))) {
      log.info(`${relayName(ep)}: trying again without TLS`);
      return 'fallback';
    }
    return { status: 'deferred', dsn: '4.7.5', reason: 'Cannot start TLS: handshake failure' };
  }
  const v = judge(sock, policy, hc.files, ep, dest, s.tls, log);
  session.tls = { verified: v.matched };
  if (mustMatch(policy.level) && !v.matched) return { status: 'deferred', dsn: '4.7.5', reason: 'Server certificate not verified' };
  return hello(session, s);
}

/** hello - EHLO (HELO fallback) or LHLO; the failure, if any. */
async function hello(session: Session, s: ClientSettings): Promise<Outcome | undefined> {
  const ep = session.endpoint;
  const cmd = s.lmtp ? 'LHLO' : 'EHLO';
  session.send([`${cmd} ${s.heloName}`]);
  let r: Reply = await session.reply(s.timeouts.helo, `performing the ${cmd} handshake`);
  if (replyClass(r) === 2) {
    session.caps = parseCapabilities(r);
  } else if (s.lmtp || r.code === 421) {
    return said(ep, r, cmd);
  } else {
    session.send([`HELO ${s.heloName}`]);
    r = await session.reply(s.timeouts.helo, 'performing the HELO handshake');
    if (replyClass(r) !== 2) return said(ep, r, 'HELO');
    session.caps = new Map();
  }
  session.serverName = /^\d\d\d[ -](\S*)/.exec(r.lines[0] ?? '')?.[1] ?? '';
  return undefined;
}
