/*
 * handshake - open a session ready for mail: connect, read the greeting, EHLO (HELO
 * when EHLO is refused) or LHLO, and opportunistic STARTTLS (tls level `may`: when the
 * server offers it, unauthenticated; a failed TLS handshake is retried once in clear,
 * as Postfix does at that level). SMTP only: a server that calls itself $myhostname is
 * us, and the mail would loop (5.4.6). Used by deliver.ts.
 */
import type { Logger } from '@mailroom/global';
import { parseCapabilities, replyClass, type Reply } from './reply.js';
import { relayName, Session, SessionLost, strerror, type Endpoint } from './session.js';
import type { ClientSettings } from './settings.js';
import { connectFailed, lost, refused, said, soften, type Outcome } from './status.js';

export type HandshakeResult =
  | { ok: true; session: Session }
  /** `connected`: a server answered (relay= names it) — or not (relay=none). */
  | { ok: false; outcome: Outcome; connected: boolean };

/** openSession - a session that completed the handshake, or why there is none. */
export async function openSession(ep: Endpoint, s: ClientSettings, log: Logger, loopLabel: string, tlsAllowed = true): Promise<HandshakeResult> {
  let session: Session;
  try {
    session = await Session.connect(ep, s.timeouts.connect);
  } catch (err) {
    return { ok: false, outcome: connectFailed(ep, strerror(err as NodeJS.ErrnoException)), connected: false };
  }
  try {
    const greeting = await session.reply(s.timeouts.helo, 'receiving the initial server greeting');
    if (replyClass(greeting) !== 2) {
      session.quit();
      const o = refused(ep, greeting);
      return { ok: false, outcome: s.skip5xxGreeting ? soften(o) : o, connected: true };
    }
    const failed = await hello(session, s);
    if (failed) {
      session.quit();
      return { ok: false, outcome: failed, connected: true };
    }
    if (!s.lmtp && session.serverName && session.serverName.toLowerCase() === s.myhostname.toLowerCase()) {
      session.quit();
      return { ok: false, outcome: { status: 'bounced', dsn: '5.4.6', reason: `mail for ${loopLabel} loops back to myself` }, connected: true };
    }
    if (s.tls === 'may' && tlsAllowed && session.isTcp && session.caps.has('STARTTLS')) {
      session.send(['STARTTLS']);
      const r = await session.reply(s.timeouts.starttls, 'receiving the STARTTLS response');
      if (r.code === 220) {
        try {
          await session.startTls(ep.host, s.timeouts.starttls);
        } catch (err) {
          log.info(`TLS handshake failed with ${relayName(ep)}: ${(err as Error).message}; trying again without TLS`);
          return openSession(ep, s, log, loopLabel, false);
        }
        log.info(`Untrusted TLS connection established to ${relayName(ep)}: ${session.tlsInfo}`);
        const again = await hello(session, s);
        if (again) {
          session.quit();
          return { ok: false, outcome: again, connected: true };
        }
      } else if (!session.alive) {
        return { ok: false, outcome: said(ep, r, 'STARTTLS'), connected: true };
      }
    }
    return { ok: true, session };
  } catch (err) {
    session.close();
    if (err instanceof SessionLost) return { ok: false, outcome: lost(ep, err), connected: true };
    throw err;
  }
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

