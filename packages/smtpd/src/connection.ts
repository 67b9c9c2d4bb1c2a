/*
 * connection - one SMTP connection: smtp-server's SMTPConnection with smtpd's parts
 * plugged in where the library leaves room (its members are public in its typings):
 *   - the input parser (input.ts) instead of SMTPStream, fed per-client limits;
 *   - every reply through send(): Postfix's wording (replies.ts), Postfix's EHLO list,
 *     the error counter with smtpd_error_sleep_time / smtpd_hard_error_limit, and the
 *     per-command counts of the disconnect line;
 *   - the greeting from smtpd_banner, sent at once (no early-talker pause);
 *   - HELO/EHLO, DATA, VRFY and QUIT wrapped to run smtpd's checks first.
 * The smtpd session (session.ts) hangs off the library session as `mailroom`.
 */
import type net from 'node:net';
import type { SMTPServerSession } from 'smtp-server';
import { SMTPConnection, type SMTPConnectionOptions } from 'smtp-server/lib/smtp-connection.js';
import type { SMTPStream } from 'smtp-server/lib/smtp-stream.js';
import { SmtpInput, type CommandViolation } from './input.js';
import { postfixReply, REPLY, reply, type Reply } from './replies.js';
import type { SmtpdService } from './services.js';
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

export class SmtpdConnection extends SMTPConnection {
  readonly mailroom: SmtpdSession;
  private greeted = false;
  private onGreeted: (() => void)[] = [];
  /** Replies held back by the error tarpit; later replies queue behind them. */
  private delayed: Promise<void> | undefined;

  constructor(server: ConstructorParameters<typeof SMTPConnection>[0] & SmtpdServerLike, socket: net.Socket, options?: SMTPConnectionOptions) {
    super(server, socket, options);
    const client = { name: 'unknown', reverseName: 'unknown', addr: this.remoteAddress, port: this.remotePort, nameStatus: 'notfound', reverseStatus: 'notfound' } as const;
    this.mailroom = new SmtpdSession({ ...client }, server.svc.log);
    this.mailroom.newline = server.svc.settings.bareNewline;
    (this.session as LibSession).mailroom = this.mailroom;
    // Ahead of every other 'close' listener: the skeleton may exit the process (max_use,
    // stop) as soon as its own listener has counted the client done.
    socket.prependOnceListener('close', () => server.endSession(this.mailroom));
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
      beforeCommand: () => this.gate(),
    });
    parser.oncommand = (command: Buffer, callback?: () => void) => {
      const name = (command.toString('latin1').split(' ', 1)[0] ?? '').toUpperCase();
      this.mailroom.lastCommand = name || 'UNKNOWN';
      this.mailroom.current = name.toLowerCase() || 'unknown';
      this._onCommand(command, callback);
    };
    parser.on('error', (err: Error) => this.send(421, `4.3.0 ${svc.settings.myhostname} Error: ${err.message}`));
    return parser;
  }

  override _sendGreeting(): void {
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
    if (!this.greeted) return new Promise<void>((r) => this.onGreeted.push(r)).then(() => this.gate());
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
    if (kind === 'too-long') {
      this.reply(REPLY.lineTooLong());
      return true;
    }
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
      'ENHANCEDSTATUSCODES',
      '8BITMIME',
      'DSN',
      'SMTPUTF8',
    ];
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
    if (s && c !== 354 && s.current !== undefined) {
      s.count(s.current, c < 400);
      s.current = undefined;
    }
    let delay = 0;
    if (s && c >= 400) {
      if (c === 421) s.closedByServer = true;
      else if (++s.errorCount > this.svc.settings.softErrorLimit) delay = this.svc.settings.errorSleepMs;
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
    this.answer(tx.helo(this.svc, this.mailroom, 'EHLO', name), callback, () => super.handler_EHLO(command, callback));
  }

  override handler_HELO(command: Buffer, callback: () => void): void {
    const name = this.heloName(command);
    if (name === undefined) return super.handler_HELO(command, callback);
    this.answer(tx.helo(this.svc, this.mailroom, 'HELO', name), callback, () => super.handler_HELO(command, callback));
  }

  override handler_DATA(command: Buffer, callback: () => void): void {
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
