/*
 * server - smtp-server's SMTPServer with every option set on purpose (STYLE.md: the
 * hide* and disabled* options explicit) and its callbacks routed to smtpd's steps
 * (transaction.ts, message.ts). It never listens: master owns the socket, the skeleton
 * accepts, and each accepted socket is handed in with connect().
 * Advertised: PIPELINING, SIZE, (VRFY), (STARTTLS), (AUTH), ENHANCEDSTATUSCODES, 8BITMIME,
 * DSN, SMTPUTF8 (the list itself is connection.ts's). STARTTLS and implicit TLS
 * (smtpd_tls_wrappermode) are smtp-server's, with our key material and protocol range;
 * AUTH PLAIN/LOGIN decoding is smtp-server's, the decision ours (onAuth -> transaction.ts).
 * Not offered: XCLIENT, XFORWARD, HELP, REQUIRETLS and sendmail's joke commands
 * (WIZ, SHELL, KILL).
 */
import type net from 'node:net';
import type tls from 'node:tls';
import {
  SMTPServer,
  type SMTPServerAddress,
  type SMTPServerAuthentication,
  type SMTPServerAuthenticationResponse,
  type SMTPServerDataStream,
  type SMTPServerOptions,
  type SMTPServerSession,
} from 'smtp-server';
import type { SMTPConnectionOptions } from 'smtp-server/lib/smtp-connection.js';
import { SmtpdConnection, type LibSession } from './connection.js';
import type { MessageStream } from './input.js';
import { receive } from './message.js';
import type { Reply } from './replies.js';
import type { ServerTls, SmtpdService } from './services.js';
import type { SmtpdSession } from './session.js';
import * as tx from './transaction.js';
import type { SmtpdSettings } from './settings.js';
import { tlsSummary } from './tls.js';

/** starttlsOffered - STARTTLS is a command of this server (level may/encrypt, not wrappermode). */
export function starttlsOffered(s: SmtpdSettings): boolean {
  return s.tls.level !== 'none' && !s.tls.wrappermode;
}

/** serverOptions - smtp-server's options for these settings, every switch named. */
export function serverOptions(s: SmtpdSettings, keys: ServerTls = {}): SMTPServerOptions {
  const m = keys.material;
  const implicit = s.tls.wrappermode && !!m;
  const tlsOptions: Partial<SMTPServerOptions> = m
    ? { key: m.key, cert: m.cert, minVersion: s.tls.minVersion, maxVersion: s.tls.maxVersion, ciphers: s.tls.ciphers, honorCipherOrder: true }
    : {};
  return {
    ...tlsOptions,
    // Implicit TLS on a socket master accepted: the handshake runs before the greeting.
    secure: implicit,
    needsUpgrade: implicit,
    name: s.myhostname,
    heloResponse: '%s',
    size: s.messageSizeLimit > 0 ? s.messageSizeLimit : undefined,
    hideSize: false,
    rejectOversized: false, // enforced while streaming, see input.ts
    maxRecipients: s.recipientLimit,
    socketTimeout: s.timeoutMs,
    closeTimeout: 5000,
    hideSTARTTLS: !m || !starttlsOffered(s),
    hidePIPELINING: false,
    hide8BITMIME: false,
    hideSMTPUTF8: false,
    hideENHANCEDSTATUSCODES: false,
    hideDSN: false,
    hideREQUIRETLS: true,
    // STARTTLS stays a command at may/encrypt without keys: it answers 454 (connection.ts).
    disabledCommands: [...(starttlsOffered(s) ? [] : ['STARTTLS']), 'XCLIENT', 'XFORWARD', 'HELP', 'WIZ', 'SHELL', 'KILL'],
    authMethods: ['PLAIN', 'LOGIN'],
    authOptional: true,
    allowInsecureAuth: true, // whether AUTH may run is decided in connection.ts
    maxAllowedUnauthenticatedCommands: false,
    disableReverseLookup: true, // smtpd's own lookup (peer.ts) with forward confirmation
    lenientAddressParsing: true, // as lenient as Postfix with strict_rfc821_envelopes = no
    useXClient: false,
    useXForward: false,
    useProxy: false,
    logger: false,
  };
}

/** refusal - a Reply as the error smtp-server callbacks take. */
function refusal(r: Reply): Error & { responseCode: number } {
  return Object.assign(new Error(`${r.dsn} ${r.text}`), { responseCode: r.code });
}

const mailroomOf = (session: SMTPServerSession) => (session as LibSession).mailroom;

/** MailroomSmtpServer - the SMTP protocol engine of one smtpd process. */
export class MailroomSmtpServer extends SMTPServer {
  constructor(readonly svc: SmtpdService) {
    super(serverOptions(svc.settings, svc.tls));
    this.on('error', (err: Error) => svc.log.debug(`smtp-server: ${err.message}`));
  }

  override connect(socket: net.Socket, socketOptions?: SMTPConnectionOptions | null): void {
    if (this.svc.settings.tls.wrappermode && !this.svc.tls.material) {
      // Nothing can be said to a client that expects a TLS handshake.
      this.svc.log.warn(`TLS wrapper mode: no usable server certificate: dropping connection from [${socket.remoteAddress ?? 'unknown'}]`);
      socket.destroy();
      return;
    }
    const conn = new SmtpdConnection(this, socket, socketOptions ?? undefined);
    this.connections.add(conn);
    conn.on('error', (err: Error & { meta?: { stage?: string; message?: string } }) => {
      // A failed TLS handshake (STARTTLS or wrapper mode), worded as Postfix's.
      if (err.meta?.stage === 'connect') this.svc.log.info(`SSL_accept error from ${conn.mailroom.namaddr}: ${err.meta.message ?? err.message}`);
      else this.svc.log.debug(`${conn.mailroom.namaddr}: ${err.message}`);
    });
    conn.init();
  }

  override onConnect(session: SMTPServerSession, callback: (err?: Error | null) => void): void {
    settle(tx.connect(this.svc, mailroomOf(session)), callback, this.svc);
  }

  /** onSecure - the TLS handshake is done (STARTTLS or implicit): forget what came before it. */
  override onSecure(socket: tls.TLSSocket, session: SMTPServerSession, callback: (err?: Error | null) => void): void {
    const s = mailroomOf(session);
    if (!s.tls) {
      s.tls = tlsSummary(socket);
      s.helo = undefined;
      s.protocol = 'SMTP';
      s.saslUser = undefined;
      s.saslMethod = undefined;
      s.saslMechanisms = [];
      s.resetTransaction();
      tx.tlsEstablished(this.svc, s);
    }
    callback();
  }

  override onAuth(auth: SMTPServerAuthentication, session: SMTPServerSession, callback: (err: Error | null | undefined, response?: SMTPServerAuthenticationResponse) => void): void {
    const method = auth.method === 'PLAIN' ? 'PLAIN' : 'LOGIN';
    const authzid = (auth as { authzid?: string }).authzid ?? '';
    tx.auth(this.svc, mailroomOf(session), { mechanism: method, username: auth.username ?? '', authzid, password: auth.password ?? '', localAddr: session.localAddress, localPort: session.localPort }).then(
      (r) => ('user' in r ? callback(null, { user: r.user }) : callback(refusal(r.refusal))),
      (err: Error) => {
        this.svc.log.error(`error: ${err.stack ?? err.message}`);
        callback(refusal({ code: 454, dsn: '4.7.0', text: 'Temporary authentication failure: internal error' }));
      },
    );
  }

  override onMailFrom(address: SMTPServerAddress, session: SMTPServerSession, callback: (err?: Error | null) => void): void {
    settle(tx.mail(this.svc, mailroomOf(session), address), callback, this.svc);
  }

  override onRcptTo(address: SMTPServerAddress, session: SMTPServerSession, callback: (err?: Error | null) => void): void {
    settle(tx.rcpt(this.svc, mailroomOf(session), address), callback, this.svc);
  }

  override onData(stream: SMTPServerDataStream, session: SMTPServerSession, callback: (err?: Error | null, message?: string) => void): void {
    void receive(this.svc, mailroomOf(session), stream as MessageStream).then((r) =>
      r.code < 400 ? callback(null, `${r.dsn} ${r.text}`) : callback(refusal(r)),
    );
  }

  override onClose(session: SMTPServerSession): void {
    this.endSession(mailroomOf(session));
  }

  endSession(s: SmtpdSession): void {
    if (s.ended) return;
    s.ended = true;
    s.closed();
    s.resetTransaction(); // aborts a message still open in cleanup
    if (s.counted) this.svc.limits.release(s.client.addr);
  }
}

/** settle - a step's refusal (or an internal error) as the callback's error. */
function settle(step: Promise<Reply | undefined>, callback: (err?: Error | null) => void, svc: SmtpdService): void {
  step.then(
    (r) => callback(r ? refusal(r) : null),
    (err: Error) => {
      svc.log.error(`error: ${err.stack ?? err.message}`);
      callback(Object.assign(new Error('4.3.0 Error: internal error'), { responseCode: 451 }));
    },
  );
}
