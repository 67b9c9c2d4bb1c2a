/*
 * session - smtpd's own view of one SMTP connection, kept apart from smtp-server's
 * session object: the client's facts, HELO name, the current transaction (sender, HOLD /
 * DISCARD actions, queue ID), error and command counters, and the Postfix log lines
 * that describe it:
 *   connect from host[addr]
 *   NOQUEUE: reject: RCPT from host[addr]: 554 5.7.1 <x>: Relay access denied; from=<a> to=<x> proto=ESMTP helo=<h>
 *   lost connection after DATA (123 bytes) from host[addr]
 *   disconnect from host[addr] ehlo=1 mail=1 rcpt=0/1 data=0/1 quit=1 commands=3/5
 * Used by connection.ts (counters) and transaction.ts (everything else).
 */
import type { Logger } from '@mailroom/global';
import type { CleanupSink } from './cleanup-sink.js';
import type { BareNewlineMode } from './data.js';
import type { Reply } from './replies.js';
import { formatReply } from './replies.js';
import type { CheckRequest, ClientFacts, Note } from './restrictions/context.js';

/** Commands counted under their own name in the disconnect line; others count as `unknown`. */
const COUNTED = new Set(['helo', 'ehlo', 'starttls', 'auth', 'mail', 'rcpt', 'data', 'bdat', 'rset', 'noop', 'vrfy', 'etrn', 'quit']);

export class SmtpdSession {
  helo: string | undefined;
  protocol: 'SMTP' | 'ESMTP' = 'SMTP';
  /** The TLS session (`TLSv1.3 with cipher ... (256/256 bits)`), once established. */
  tls: string | undefined;
  /** The `connect from` line is out (TLS lines follow it). */
  connected = false;
  /** SASL login name and mechanism after a successful AUTH. */
  saslUser: string | undefined;
  saslMethod: string | undefined;
  /** Mechanisms announced in the last EHLO reply (empty: no AUTH). */
  saslMechanisms: string[] = [];
  /** smtpd_forbid_bare_newline for this client (exclusions applied at connect). */
  newline: BareNewlineMode = 'reject';
  /** Client restrictions refused the client at connect (smtpd_delay_reject = no). */
  accessDenied: Reply | undefined;
  errorCount = 0;
  /** The command being answered (lower case), counted when its reply goes out. */
  current: string | undefined;
  /** The last command name, for `lost connection after X`. */
  lastCommand = 'CONNECT';
  /** Bytes of the message being received, for `lost connection after DATA (n bytes)`. */
  dataBytes = -1;
  quit = false;
  /** The connection limits counted this client (release it on close). */
  counted = false;
  /** The session's end has been handled (logged, released). */
  ended = false;
  timedOut = false;
  /** The server closed the connection (421 and friends): no `lost connection` line. */
  closedByServer = false;
  // The transaction.
  sender: string | undefined;
  hold: string | undefined;
  discard: string | undefined;
  queueId: string | undefined;
  sink: CleanupSink | undefined;
  private readonly stats = new Map<string, { ok: number; total: number }>();

  constructor(
    readonly client: ClientFacts,
    readonly log: Logger,
  ) {}

  /** namaddr - `host[addr]` as in every Postfix log line. */
  get namaddr(): string {
    return `${this.client.name}[${this.client.addr}]`;
  }

  /** receivedProtocol - ESMTP with RFC 3848's S (TLS) and A (SASL) for Received: and cleanup. */
  get receivedProtocol(): string {
    if (this.protocol !== 'ESMTP') return this.protocol;
    return `ESMTP${this.tls ? 'S' : ''}${this.saslUser ? 'A' : ''}`;
  }

  /** saslText - `, sasl_method=PLAIN, sasl_username=alice` for the client= line ('' without AUTH). */
  get saslText(): string {
    return this.saslUser ? `, sasl_method=${this.saslMethod ?? ''}, sasl_username=${this.saslUser}` : '';
  }

  /** request - the facts restrictions see, for `recipient` (if any). */
  request(recipient?: string): CheckRequest {
    const req: CheckRequest = { client: this.client };
    if (this.saslUser !== undefined) req.saslUser = this.saslUser;
    if (this.helo !== undefined) req.helo = this.helo;
    if (this.sender !== undefined) req.sender = this.sender;
    if (recipient !== undefined) req.recipient = recipient;
    return req;
  }

  /** resetTransaction - after RSET, HELO/EHLO and each message. */
  resetTransaction(): void {
    this.sink?.abort();
    this.sink = undefined;
    this.sender = undefined;
    this.hold = undefined;
    this.discard = undefined;
    this.queueId = undefined;
    this.dataBytes = -1;
  }

  /** count - one command and whether it succeeded, for the disconnect line. */
  count(command: string, ok: boolean): void {
    const name = COUNTED.has(command) ? command : 'unknown';
    const s = this.stats.get(name) ?? { ok: 0, total: 0 };
    s.total++;
    if (ok) s.ok++;
    this.stats.set(name, s);
  }

  /** statsText - `ehlo=1 mail=1 rcpt=0/1 ... commands=n[/m]`. */
  statsText(): string {
    let ok = 0;
    let total = 0;
    const parts: string[] = [];
    for (const [name, s] of this.stats) {
      ok += s.ok;
      total += s.total;
      parts.push(`${name}=${s.ok === s.total ? s.ok : `${s.ok}/${s.total}`}`);
    }
    parts.push(`commands=${ok === total ? ok : `${ok}/${total}`}`);
    return parts.join(' ');
  }

  /** whatsup - log `ID: action: STAGE from host[addr]: text; from=<> to=<> proto= helo=<>`. */
  whatsup(action: string, stage: string, text: string, recipient?: string): void {
    let line = `${this.queueId ?? 'NOQUEUE'}: ${action}: ${stage} from ${this.namaddr}: ${text};`;
    if (this.sender !== undefined) line += ` from=<${this.sender}>`;
    if (recipient !== undefined) line += ` to=<${recipient}>`;
    line += ` proto=${this.protocol}`;
    if (this.helo !== undefined) line += ` helo=<${this.helo}>`;
    this.log.info(line);
  }

  /** reject - log a refusal at `stage` (RCPT, MAIL, DATA, END-OF-MESSAGE...). */
  reject(stage: string, reply: Reply, recipient?: string): void {
    this.whatsup('reject', stage, formatReply(reply), recipient);
  }

  /** notes - log HOLD/DISCARD/WARN/INFO/reject_warning notes and keep HOLD and DISCARD. */
  notes(stage: string, notes: readonly Note[], recipient?: string): void {
    for (const n of notes) {
      this.whatsup(n.action, stage, n.text, recipient);
      if (n.action === 'hold') this.hold ??= n.text;
      if (n.action === 'discard') this.discard ??= n.text;
    }
  }

  /** closed - the `lost connection`/`timeout` line (when it applies) and the disconnect line. */
  closed(): void {
    if (this.timedOut || (!this.quit && !this.closedByServer)) {
      const bytes = this.dataBytes >= 0 ? ` (${this.dataBytes} bytes)` : '';
      this.log.info(`${this.timedOut ? 'timeout' : 'lost connection'} after ${this.lastCommand}${bytes} from ${this.namaddr}`);
    }
    if (this.current !== undefined) this.count(this.current, false); // the command never got its answer
    this.current = undefined;
    this.log.info(`disconnect from ${this.namaddr} ${this.statsText()}`);
  }
}
