/*
 * server - smtp-server's SMTPServer with every option set on purpose (STYLE.md: the
 * hide* and disabled* options explicit) and its callbacks routed to smtpd's steps
 * (transaction.ts, message.ts). It never listens: master owns the socket, the skeleton
 * accepts, and each accepted socket is handed in with connect().
 * Advertised: PIPELINING, SIZE, (VRFY), ENHANCEDSTATUSCODES, 8BITMIME, DSN, SMTPUTF8.
 * Not offered: STARTTLS, AUTH (later issues), XCLIENT, XFORWARD, HELP and sendmail's
 * joke commands (WIZ, SHELL, KILL); REQUIRETLS needs TLS.
 */
import type net from 'node:net';
import { SMTPServer, type SMTPServerAddress, type SMTPServerDataStream, type SMTPServerOptions, type SMTPServerSession } from 'smtp-server';
import type { SMTPConnectionOptions } from 'smtp-server/lib/smtp-connection.js';
import { SmtpdConnection, type LibSession } from './connection.js';
import type { MessageStream } from './input.js';
import { receive } from './message.js';
import type { Reply } from './replies.js';
import type { SmtpdService } from './services.js';
import type { SmtpdSession } from './session.js';
import * as tx from './transaction.js';
import type { SmtpdSettings } from './settings.js';

/** serverOptions - smtp-server's options for these settings, every switch named. */
export function serverOptions(s: SmtpdSettings): SMTPServerOptions {
  return {
    name: s.myhostname,
    heloResponse: '%s',
    size: s.messageSizeLimit > 0 ? s.messageSizeLimit : undefined,
    hideSize: false,
    rejectOversized: false, // enforced while streaming, see input.ts
    maxRecipients: s.recipientLimit,
    socketTimeout: s.timeoutMs,
    closeTimeout: 5000,
    hideSTARTTLS: true,
    hidePIPELINING: false,
    hide8BITMIME: false,
    hideSMTPUTF8: false,
    hideENHANCEDSTATUSCODES: false,
    hideDSN: false,
    hideREQUIRETLS: true,
    disabledCommands: ['STARTTLS', 'AUTH', 'XCLIENT', 'XFORWARD', 'HELP', 'WIZ', 'SHELL', 'KILL'],
    authOptional: true,
    allowInsecureAuth: false,
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
    super(serverOptions(svc.settings));
    this.on('error', (err: Error) => svc.log.debug(`smtp-server: ${err.message}`));
  }

  override connect(socket: net.Socket, socketOptions?: SMTPConnectionOptions | null): void {
    const conn = new SmtpdConnection(this, socket, socketOptions ?? undefined);
    this.connections.add(conn);
    conn.on('error', (err: Error) => this.svc.log.debug(`${conn.mailroom.namaddr}: ${err.message}`));
    conn.init();
  }

  override onConnect(session: SMTPServerSession, callback: (err?: Error | null) => void): void {
    settle(tx.connect(this.svc, mailroomOf(session)), callback, this.svc);
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
