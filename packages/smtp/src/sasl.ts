/*
 * sasl - SASL authentication to a server that offers AUTH (smtp_sasl_auth_enable), as
 * Postfix's smtp_sasl_glue.c and smtp_sasl_proto.c do it:
 *   - credentials `user:password` from smtp_sasl_password_maps, looked up by the server's
 *     host name, then by the next-hop destination as written (`[relay.example]:587`);
 *     no credentials: no AUTH, the session goes on unauthenticated;
 *   - mechanisms: those the server offers, narrowed by smtp_sasl_mechanism_filter and
 *     by the security options of the connection (smtp_sasl_security_options in clear,
 *     smtp_sasl_tls_security_options over TLS, smtp_sasl_tls_verified_security_options
 *     over TLS with a verified certificate); ours, best first: CRAM-MD5, PLAIN, LOGIN;
 *   - a failure ends the session (the next server is tried): `SASL authentication
 *     failed; server host[addr] said: 535 ...`, 5XX softened to 4XX when
 *     smtp_sasl_auth_soft_bounce = yes.
 * Used by handshake.ts.
 */
import crypto from 'node:crypto';
import type { Logger, LookupTable } from '@mailroom/global';
import type { Destination } from './nexthop.js';
import { replyClass, replyDsn, replyText, type Reply } from './reply.js';
import { endpointName, type Endpoint, type Session } from './session.js';
import type { SaslSettings } from './settings.js';
import type { Outcome } from './status.js';

export interface Credentials {
  user: string;
  password: string;
}

/** Mechanisms we speak, best first, with the option words that rule each out. */
const MECHANISMS: readonly { name: string; excludedBy: readonly string[] }[] = [
  { name: 'CRAM-MD5', excludedBy: ['nodictionary', 'noactive'] },
  { name: 'PLAIN', excludedBy: ['noplaintext', 'nodictionary', 'noactive'] },
  { name: 'LOGIN', excludedBy: ['noplaintext', 'nodictionary', 'noactive'] },
];

const b64 = (s: string): string => Buffer.from(s, 'utf8').toString('base64');

/** chooseMechanism - the best mechanism allowed by the options, or why there is none. */
export function chooseMechanism(offered: readonly string[], filter: readonly string[], options: readonly string[]): string | undefined {
  const usable = offered.map((m) => m.toUpperCase()).filter((m) => filter.length === 0 || filter.includes(m));
  return MECHANISMS.find((m) => usable.includes(m.name) && !m.excludedBy.some((o) => options.includes(o)))?.name;
}

export class SaslClient {
  constructor(private readonly s: SaslSettings, private readonly table: LookupTable | undefined) {}

  get enabled(): boolean {
    return this.s.enabled && this.table !== undefined;
  }

  /** credentials - the user and password for this server; undefined when none are configured. */
  async credentials(ep: Endpoint, dest: Destination): Promise<Credentials | undefined> {
    if (!this.enabled) return undefined;
    const value = (await this.table!.get(ep.host.toLowerCase())) ?? (await this.table!.get(dest.text.toLowerCase()));
    if (value === undefined) return undefined;
    const colon = value.indexOf(':');
    return colon < 0 ? { user: value, password: '' } : { user: value.slice(0, colon), password: value.slice(colon + 1) };
  }

  /**
   * login - authenticate on a session whose EHLO offered AUTH; the failure, if any.
   * Throws SessionLost when the connection breaks, TableLookupError on a table failure.
   */
  async login(session: Session, creds: Credentials, timeoutSec: number, log: Logger): Promise<Outcome | undefined> {
    const ep = session.endpoint;
    const offered = (session.caps.get('AUTH') ?? '').split(/\s+/).filter(Boolean);
    const filtered = offered.filter((m) => this.s.mechanismFilter.length === 0 || this.s.mechanismFilter.includes(m.toUpperCase()));
    if (filtered.length === 0) {
      log.warn(`${endpointName(ep)}:${ep.port ?? ''} offered no supported AUTH mechanisms: '${offered.join(' ')}'`);
      return {
        status: 'deferred', dsn: '4.7.0',
        reason: `SASL authentication failed: server ${endpointName(ep)} offered no compatible authentication mechanisms for this type of connection security`,
      };
    }
    const options = !session.tls ? this.s.options : session.tls.verified ? this.s.tlsVerifiedOptions : this.s.tlsOptions;
    const mech = chooseMechanism(filtered, [], options);
    if (!mech) {
      return { status: 'deferred', dsn: '4.7.0', reason: `SASL authentication failed; cannot authenticate to server ${endpointName(ep)}: no mechanism available` };
    }
    session.send([mech === 'PLAIN' ? `AUTH PLAIN ${b64(`\0${creds.user}\0${creds.password}`)}` : `AUTH ${mech}`]);
    let r: Reply = await session.reply(timeoutSec, 'sending AUTH command');
    for (let steps = 0; r.code === 334; steps++) {
      if (steps > 10) {
        return { status: 'deferred', dsn: '4.3.0', reason: `SASL authentication failed; authentication protocol loop with server ${endpointName(ep)}` };
      }
      const challenge = Buffer.from((r.lines[0] ?? '').slice(4).trim(), 'base64').toString('latin1');
      session.send([this.answer(mech, challenge, creds)]);
      r = await session.reply(timeoutSec, 'sending AUTH command');
    }
    if (replyClass(r) === 2) {
      log.debug(`${endpointName(ep)}: authenticated as ${creds.user} with ${mech}`);
      return undefined;
    }
    let dsn = replyDsn(r);
    let status: Outcome['status'] = replyClass(r) === 5 ? 'bounced' : 'deferred';
    if (status === 'bounced' && this.s.softBounce) {
      status = 'deferred';
      dsn = `4${dsn.slice(1)}`;
    }
    return { status, dsn, reason: `SASL authentication failed; server ${endpointName(ep)} said: ${replyText(r)}` };
  }

  /** answer - the base64 response to a 334 challenge. */
  private answer(mech: string, challenge: string, creds: Credentials): string {
    if (mech === 'CRAM-MD5') {
      return b64(`${creds.user} ${crypto.createHmac('md5', creds.password).update(challenge, 'latin1').digest('hex')}`);
    }
    if (mech === 'PLAIN') return b64(`\0${creds.user}\0${creds.password}`); // a server that wanted no initial response
    return b64(/pass/i.test(challenge) ? creds.password : creds.user);
  }
}
