/*
 * connection - one SMTP connection: smtp-server's SMTPConnection with smtpd's parts
 * plugged in where the library leaves room (its members are public in its typings):
 *   - the input parser (input.ts) instead of SMTPStream, fed per-client limits;
 *   - every reply through send(): Postfix's wording (replies.ts), Postfix's EHLO list,
 *     the error counter with smtpd_error_sleep_time / smtpd_hard_error_limit, and the
 *     per-command counts of the disconnect line;
 *   - the greeting from smtpd_banner, sent at once (no early-talker pause);
 *   - HELO/EHLO, DATA, VRFY and QUIT wrapped to run smtpd's checks first;
 *   - before a command runs, Postfix's screening: malformed UTF-8 (500 5.5.2), a NUL ends
 *     the line, illegal pipelining (smtpd_forbid_unauth_pipelining: 554 5.5.0), non-SMTP
 *     lines (forbidden.ts: 221 2.7.0), RCPT overshoot not counted as errors;
 *   - STARTTLS (454 without keys) and AUTH gated as Postfix does: AUTH only when enabled,
 *     after EHLO, outside a transaction, once, and over TLS with smtpd_tls_auth_only;
 *     SASL continuation lines are not commands (not counted, not logged);
 *   - the socket's 'close' listeners (master's skeleton counts clients with one) moved
 *     to the raw socket again after smtp-server's STARTTLS upgrade removed them.
 * The smtpd session (session.ts) hangs off the library session as `mailroom`.
 */
import { isUtf8 } from 'node:buffer';
import type net from 'node:net';
import type { SMTPServerSession } from 'smtp-server';
import { SMTPConnection, type SMTPConnectionOptions } from 'smtp-server/lib/smtp-connection.js';
import type { SMTPStream } from 'smtp-server/lib/smtp-stream.js';
import { forbiddenCommands, isHeaderLike } from './forbidden.js';
import { SmtpInput, type CommandViolation } from './input.js';
import { postfixReply, REPLY, reply, type Reply } from './replies.js';
import type { SmtpdService } from './services.js';
import { announced } from './sasl/index.js';
import { starttlsOffered } from './server.js';
import { SmtpdSession } from './session.js';
import * as tx from './transaction.js';

/** The library session with smtpd's own session attached. */
export interface LibSession extends SMTPServerSession {
  mailroom: SmtpdSession;
}

/** What the connection needs from its server. */
export interface SmtpdServerLike {
  readonly svc: SmtpdService;
  /** The session is over: log it, release its limits, abort an unfinished message (once). */
  endSession(s: SmtpdSession): void;
}

const TIMEOUT_TEXT = 'Timeout - closing connection';
/** Command names smtpd knows (implemented or refused on purpose): never "non-SMTP". */
/** Commands after which a client must wait for the reply, even with PIPELINING (Postfix's SMTPD_CMD_FLAG_LAST). */
const PIPELINE_LAST = new Set(['HELO', 'EHLO', 'DATA', 'BDAT', 'NOOP', 'VRFY', 'STARTTLS']);
const SMTP_COMMANDS = new Set(['HELO', 'EHLO', 'MAIL', 'RCPT', 'DATA', 'RSET', 'NOOP', 'QUIT', 'VRFY', 'EXPN', 'ETRN', 'AUTH', 'STARTTLS', 'BDAT', 'HELP', 'XCLIENT', 'XFORWARD']);

export class SmtpdConnection extends SMTPConnection {
  readonly mailroom: SmtpdSession;
  private greeted = false;
  private onGreeted: (() => void)[] = [];
  /** Replies held back by the error tarpit; later replies queue behind them. */
  private delayed: Promise<void> | undefined;
  /** A command arrived before the greeting. */
  private earlyTalker = false;
  /** RCPTs refused over smtpd_recipient_limit so far. */
  private rcptOvershoot = 0;
  /** 'close' listeners others put on the raw socket before us (see upgrade()). */
  private readonly closeListeners: ((...args: unknown[]) => void)[];

  constructor(server: ConstructorParameters<typeof SMTPConnection>[0] & SmtpdServerLike, socket: net.Socket, options?: SMTPConnectionOptions) {
    super(server, socket, options);
    const client = { name: 'unknown', reverseName: 'unknown', addr: this.remoteAddress, port: this.remotePort, nameStatus: 'notfound', reverseStatus: 'notfound' } as const;
    this.mailroom = new SmtpdSession({ ...client }, server.svc.log);
    this.mailroom.newline = server.svc.settings.bareNewline;
    (this.session as LibSession).mailroom = this.mailroom;
    // Ahead of every other 'close' listener: the skeleton may exit the process (max_use,
    // stop) as soon as its own listener has counted the client done.
    socket.prependOnceListener('close', () => server.endSession(this.mailroom));
    this.closeListeners = socket.listeners('close') as ((...args: unknown[]) => void)[];
  }

  /**
   * upgrade - smtp-server's STARTTLS/implicit TLS, which drops every listener of the raw
   * socket: put back the 'close' listeners that were there before the connection's own.
   */
  override upgrade(callback: () => void, secureCallback?: () => void): void {
    const raw = this._socket;
    super.upgrade(callback, secureCallback);
    for (const l of this.closeListeners) raw.once('close', l);
  }

  private get svc(): SmtpdService {
    return (this._server as unknown as SmtpdServerLike).svc;
  }

  /** No 100 ms early-talker pause: commands sent before the greeting simply wait for it. */
  override init(): void {
    this._setListeners(() => this.connectionReady());
  }

  override _createParser(): SMTPStream {
    const svc = this.svc;
    const parser = new SmtpInput({
      lineLimit: svc.settings.lineLimit,
      sizeLimit: svc.settings.messageSizeLimit,
      newlineMode: () => this.mailroom.newline,
      onViolation: (kind, line) => this.violation(kind, line),
      onNote: () => svc.log.info(`bare <LF> received from ${this.mailroom.namaddr}`),
      onLongLine: (line) => svc.log.warn(`${this.mailroom.namaddr}: request longer than ${svc.settings.lineLimit}: ${line.toString('latin1', 0, 30)}...`),
      recordDeadlineMs: svc.settings.perRecordDeadline ? svc.settings.timeoutMs : 0,
      onDeadline: () => {
        if (!this._closing && !this._closed) this._onTimeout();
      },
      beforeCommand: () => this.gate(),
    });
    parser.oncommand = (line: Buffer, callback?: () => void) => {
      if (this._nextHandler) return this._onCommand(line, callback); // a SASL response line
      const nul = line.indexOf(0);
      const command = nul >= 0 ? line.subarray(0, nul) : line; // Postfix parses commands as C strings
      const name = (command.toString('latin1').split(' ', 1)[0] ?? '').toUpperCase();
      this.mailroom.lastCommand = name || 'UNKNOWN';
      this.mailroom.current = name.toLowerCase() || 'unknown';
      this._unrecognizedCommands = 0; // Postfix counts unknown commands as errors (smtpd_hard_error_limit), nothing more
      if (!isUtf8(line)) {
        this.reply(reply(500, '5.5.2', 'Error: bad UTF-8 syntax'));
        return callback?.();
      }
      if (SMTP_COMMANDS.has(name) && this.illegalPipelining(name)) return this.unsynchronized(name);
      if (SMTP_COMMANDS.has(name)) return this._onCommand(command, callback);
      void this.nonSmtp(command).then((bad) => (bad ? this.goodbye(command) : this._onCommand(command, callback)));
    };
    parser.on('error', (err: Error) => this.send(421, `4.3.0 ${svc.settings.myhostname} Error: ${err.message}`));
    return parser;
  }

  override _sendGreeting(): void {
    if (!this.svc.settings.forbidUnauthPipelining) return this.greet();
    // One turn of the event loop first: input the client sent already is read (and marks an early talker).
    setImmediate(() => setImmediate(() => this.greet()));
  }

  private greet(): void {
    if (this._closing || this._closed) return;
    if (this.earlyTalker && this.svc.settings.forbidUnauthPipelining) return this.unsynchronized('CONNECT');
    this.send(220, this.svc.settings.banner, false);
    this.greeted = true;
    for (const f of this.onGreeted.splice(0)) f();
  }

  override _resetSession(): void {
    super._resetSession();
    this.mailroom?.resetTransaction();
  }

  /** gate - a command runs after the greeting and any tarpit delay, and not past the hard error limit. */
  private gate(): boolean | Promise<boolean> {
    if (!this.greeted) {
      this.earlyTalker = true;
      return new Promise<void>((r) => this.onGreeted.push(r)).then(() => this.gate());
    }
    if (this.delayed) return this.delayed.then(() => this.gate());
    return !this.tooManyErrors();
  }

  /** tooManyErrors - at smtpd_hard_error_limit: say 421 (which closes) and return true. */
  private tooManyErrors(): boolean {
    if (this.mailroom.errorCount < this.svc.settings.hardErrorLimit) return false;
    this.mailroom.closedByServer = true;
    this.mailroom.log.info(`too many errors after ${this.mailroom.lastCommand} from ${this.mailroom.namaddr}`);
    this.reply(REPLY.tooManyErrors(this.svc.settings.myhostname));
    return true;
  }

  /** violation - a command line broke the bare newline or length rules. */
  private violation(kind: CommandViolation, line: Buffer | undefined): boolean {
    const s = this.mailroom;
    if (this.tooManyErrors()) return false;
    const what = kind === 'bare-lf' ? 'LF' : 'CR';
    if (s.newline !== 'reject') {
      this.reply(reply(500, '5.5.2', `Error: bare <${what}> received`));
      return true;
    }
    const stage = (line?.toString('latin1').split(/[ \r]/, 1)[0] ?? '').toUpperCase() || 'UNKNOWN';
    const r = reply(this.svc.settings.bareNewlineRejectCode, '5.5.2', `${this.svc.settings.myhostname} Error: bare <${what}> received`);
    s.reject(stage, r);
    s.closedByServer = true;
    this.reply(r);
    this.close();
    return false;
  }

  /** illegalPipelining - more input waits behind a command after which the client must wait (RFC 2920). */
  private illegalPipelining(name: string): boolean {
    if (!this.svc.settings.forbidUnauthPipelining) return false;
    const waiting = (this._parser as SmtpInput).peek(1).length > 0;
    return waiting && (PIPELINE_LAST.has(name) || this.mailroom.protocol !== 'ESMTP');
  }

  /** unsynchronized - smtpd_forbid_unauth_pipelining: log what was pipelined, 554 5.5.0, disconnect. */
  private unsynchronized(after: string): void {
    const s = this.mailroom;
    const rest = (this._parser as SmtpInput).peek(100).toString('latin1').replace(/\r/g, '\\r').replace(/\n/g, '\\n');
    this.svc.log.info(`improper command pipelining after ${after} from ${s.namaddr}: ${rest}`);
    s.closedByServer = true;
    if (s.current !== undefined) s.count(s.current, false);
    s.current = undefined;
    this.reply(reply(554, '5.5.0', 'Error: SMTP protocol synchronization'));
    this.close();
  }

  /** nonSmtp - a header-like line or a name in smtpd_forbidden_commands (forbidden.ts). */
  private async nonSmtp(command: Buffer): Promise<boolean> {
    const word = command.toString('utf8').split(' ', 1)[0] ?? '';
    if (isHeaderLike(word)) return true;
    const list = forbiddenCommands(this.svc.settings.forbiddenCommands, (t) => this.svc.log.warn(t));
    return word !== '' && list.matches(word);
  }

  /** goodbye - Postfix's answer to a non-SMTP command: 221 and disconnect. */
  private goodbye(command: Buffer): void {
    const s = this.mailroom;
    this.svc.log.warn(`non-SMTP command from ${s.namaddr}: ${command.toString('utf8', 0, 100)}`);
    s.closedByServer = true;
    if (s.current !== undefined) s.count(s.current, false);
    s.current = undefined;
    this.reply(reply(221, '2.7.0', 'Error: I can break rules, too. Goodbye.'));
    this.close();
  }

  /** reply - send one of smtpd's own replies. */
  reply(r: Reply): void {
    this.send(r.code, `${r.dsn} ${r.text}`);
  }

  /** ehloLines - Postfix's EHLO keyword list, in Postfix's order. */
  private ehloLines(first: string): string[] {
    const s = this.svc.settings;
    return [
      first,
      'PIPELINING',
      s.messageSizeLimit > 0 ? `SIZE ${s.messageSizeLimit}` : 'SIZE',
      ...(s.vrfyDisabled ? [] : ['VRFY']),
      ...(starttlsOffered(s) && !this.mailroom.tls && this.svc.tls.material ? ['STARTTLS'] : []),
      ...this.authLines(),
      'ENHANCEDSTATUSCODES',
      '8BITMIME',
      'DSN',
      'SMTPUTF8',
    ];
  }

  /** authLines - `AUTH PLAIN LOGIN` (and `AUTH=PLAIN LOGIN` for broken clients), when AUTH is offered. */
  private authLines(): string[] {
    const m = this.mailroom.saslMechanisms;
    if (m.length === 0 || !this.authAllowed()) return [];
    const line = m.join(' ');
    return this.svc.settings.sasl.brokenClients ? [`AUTH ${line}`, `AUTH=${line}`] : [`AUTH ${line}`];
  }

  /** authAllowed - AUTH is enabled and, under smtpd_tls_auth_only (or encrypt), TLS is on. */
  private authAllowed(): boolean {
    return !!this.svc.sasl && (!!this.mailroom.tls || !this.svc.settings.tls.authOnly);
  }

  override send(code: number, data?: string | string[] | null, context?: string | false): void {
    const s = this.mailroom;
    let c = code;
    let out: string | string[];
    if (Array.isArray(data)) {
      out = c === 250 ? this.ehloLines(data[0] ?? this.svc.settings.myhostname) : data;
    } else {
      if (data === TIMEOUT_TEXT && s) s.timedOut = true;
      [c, out] = postfixReply(code, data ?? '', context, this.svc.settings.myhostname);
    }
    if (s && c !== 354 && c !== 334 && s.current !== undefined) {
      s.count(s.current, c < 400);
      s.current = undefined;
    }
    let delay = 0;
    if (s && c >= 400) {
      if (c === 421) s.closedByServer = true;
      else if (data === 'Error: too many recipients' && this.rcptOvershoot++ < this.svc.settings.recipientOvershootLimit) {
        // not counted as an error (smtpd_recipient_overshoot_limit)
      } else if (++s.errorCount > this.svc.settings.softErrorLimit || c === 535) delay = this.svc.settings.errorSleepMs; // a failed login always waits
    }
    const write = (): void => super.send(c, out, false);
    if (delay <= 0 && !this.delayed) {
      write();
      return;
    }
    const p: Promise<void> = (this.delayed ?? Promise.resolve())
      .then(() => new Promise<void>((r) => setTimeout(r, delay)))
      .then(write);
    this.delayed = p;
    void p.finally(() => {
      if (this.delayed === p) this.delayed = undefined;
    });
  }

  /** answer - run an async step; send its refusal, or go on with `next`. */
  private answer(step: Promise<Reply | undefined>, callback: () => void, next: () => void): void {
    step.then(
      (r) => {
        if (!r) return next();
        this.reply(r);
        callback();
      },
      (err: Error) => {
        this.svc.log.error(`${this.mailroom.namaddr}: ${err.stack ?? err.message}`);
        this.reply(reply(451, '4.3.0', 'Error: internal error'));
        callback();
      },
    );
  }

  private heloName(command: Buffer): string | undefined {
    const parts = command.toString('utf8').trim().split(/\s+/);
    return parts.length === 2 ? parts[1] : undefined;
  }

  override handler_EHLO(command: Buffer, callback: () => void): void {
    const name = this.heloName(command);
    if (name === undefined) return super.handler_EHLO(command, callback);
    this.answer(tx.helo(this.svc, this.mailroom, 'EHLO', name), callback, () => {
      void this.saslMechanisms().then((m) => {
        this.mailroom.saslMechanisms = m;
        super.handler_EHLO(command, callback);
      });
    });
  }

  /** saslMechanisms - what AUTH offers now (security options by TLS state); [] when the backend is down. */
  private async saslMechanisms(): Promise<string[]> {
    const sasl = this.svc.sasl;
    if (!sasl) return [];
    const opts = this.mailroom.tls ? this.svc.settings.sasl.tlsSecurityOptions : this.svc.settings.sasl.securityOptions;
    try {
      return announced(await sasl.mechanisms(), opts);
    } catch {
      return []; // the backend logged why
    }
  }

  override handler_STARTTLS(command: Buffer, callback: () => void): void {
    if (!this.secure && !this.svc.tls.material) {
      this.reply(reply(454, '4.7.0', 'TLS not available due to local problem'));
      return callback();
    }
    if (command.toString('latin1').trim().split(/\s+/).length > 1) {
      this.reply(reply(501, '5.5.4', 'Syntax: STARTTLS'));
      return callback();
    }
    if (this.secure) {
      this.reply(reply(554, '5.5.1', 'Error: TLS already active'));
      return callback();
    }
    super.handler_STARTTLS(command, callback);
  }

  /** handler_AUTH - Postfix's checks before the SASL exchange (smtpd_sasl_proto.c). */
  override handler_AUTH(command: Buffer, callback: () => void): void {
    const s = this.mailroom;
    const args = command.toString('latin1').trim().split(/\s+/).slice(1);
    const refuse = (r: Reply): void => {
      this.reply(r);
      callback();
    };
    if (!this.svc.sasl) return refuse(reply(503, '5.5.1', 'Error: authentication not enabled'));
    if (!s.helo) return refuse(reply(503, '5.5.1', 'Error: send HELO/EHLO first'));
    if (this.session.envelope.mailFrom) return refuse(reply(503, '5.5.1', 'Error: MAIL transaction in progress'));
    if (!s.tls && this.svc.settings.tls.authOnly) return refuse(reply(504, '5.5.4', 'Encryption required for requested authentication mechanism'));
    if (s.saslUser) return refuse(reply(503, '5.5.1', 'Error: already authenticated'));
    if (args.length < 1 || args.length > 2) return refuse(reply(501, '5.5.4', 'Syntax: AUTH mechanism'));
    const mech = (args[0] ?? '').toUpperCase();
    void this.saslMechanisms().then((offered) => {
      if (!offered.includes(mech)) {
        this.svc.log.warn(`${s.namaddr}: SASL ${mech} authentication failed: Invalid authentication mechanism, sasl_username=`);
        return refuse(reply(535, '5.7.8', 'Error: authentication failed: Invalid authentication mechanism'));
      }
      super.handler_AUTH(command, callback);
    });
  }

  override handler_HELO(command: Buffer, callback: () => void): void {
    const name = this.heloName(command);
    if (name === undefined) return super.handler_HELO(command, callback);
    this.answer(tx.helo(this.svc, this.mailroom, 'HELO', name), callback, () => super.handler_HELO(command, callback));
  }

  override handler_DATA(command: Buffer, callback: () => void): void {
    if (!this.session.envelope.rcptTo.length && this.session.envelope.mailFrom && this._parser) {
      this.reply(REPLY.noValidRecipients()); // MAIL was accepted, every RCPT refused (Postfix)
      return callback();
    }
    if (!this.session.envelope.rcptTo.length || !this._parser) return super.handler_DATA(command, callback);
    this.answer(tx.data(this.svc, this.mailroom, this.session.envelope), callback, () => super.handler_DATA(command, callback));
  }

  override handler_VRFY(command: Buffer, callback: () => void): void {
    const arg = command.toString('utf8').replace(/^\S+\s*/, '');
    tx.vrfy(this.svc, this.mailroom, arg).then(
      (r) => {
        this.reply(r);
        callback();
      },
      () => {
        this.reply(reply(451, '4.3.0', 'Error: internal error'));
        callback();
      },
    );
  }

  override handler_QUIT(command: Buffer, callback: () => void): void {
    this.mailroom.quit = true;
    super.handler_QUIT(command, callback);
  }
}
