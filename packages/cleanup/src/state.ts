/*
 * state - what cleanup knows about the message it is working on: the envelope after
 * rewriting, the verdicts of checks (reject, defer, hold, discard, redirect, filter,
 * extra BCC recipients), and the Postfix-style log lines that go with them. Shared by
 * every stage of one message (envelope.ts, headers.ts, checks.ts, mime.ts, session.ts).
 */
import { CLEANUP_FLAG, type CleanupBegin, type Logger } from '@mailroom/global';

/** A verdict that ends the message: Postfix's CLEANUP_STAT_* with its DSN and text. */
export interface Failure {
  status: 'reject' | 'defer';
  dsn: string;
  reason: string;
}

/** Postfix's texts for the cleanup status codes we produce. */
export const FAIL = {
  content: (): Failure => ({ status: 'reject', dsn: '5.7.1', reason: 'message content rejected' }),
  size: (): Failure => ({ status: 'reject', dsn: '5.3.4', reason: 'message file too big' }),
  hops: (): Failure => ({ status: 'reject', dsn: '5.4.0', reason: 'too many hops' }),
  noRecipients: (): Failure => ({ status: 'reject', dsn: '5.1.0', reason: 'no recipients specified' }),
  write: (): Failure => ({ status: 'defer', dsn: '4.3.0', reason: 'queue file write error' }),
  /** The spool's file system is full (ENOSPC) or the quota is used up (EDQUOT). */
  storage: (): Failure => ({ status: 'defer', dsn: '4.3.1', reason: 'Insufficient system storage' }),
  lookup: (): Failure => ({ status: 'defer', dsn: '4.3.0', reason: 'temporary lookup failure' }),
  alias: (): Failure => ({ status: 'defer', dsn: '4.6.0', reason: 'Alias expansion error' }),
  rewrite: (): Failure => ({ status: 'defer', dsn: '4.3.0', reason: 'address rewriting service unavailable' }),
} as const;

/**
 * writeFailure - the verdict for a queue file that could not be written or synced:
 * out of space or quota is 4.3.1 (smtpd: `452 4.3.1 Insufficient system storage`), a file
 * too big for the file system (EFBIG) is Postfix's `message file too big`, anything else
 * (EACCES, EIO, ...) `queue file write error`.
 */
export function writeFailure(err: unknown): Failure {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'ENOSPC' || code === 'EDQUOT') return FAIL.storage();
  if (code === 'EFBIG') return FAIL.size();
  return FAIL.write();
}

/** A failure thrown through the mapping code (lookup errors, expansion limits). */
export class CleanupFailure extends Error {
  constructor(readonly failure: Failure) {
    super(`${failure.dsn} ${failure.reason}`);
    this.name = 'CleanupFailure';
  }
}

/** splitDsn - `5.7.1 text` into code and text; a missing code becomes `dflt`. */
export function splitDsn(text: string, dflt: string): { dsn: string; reason: string } {
  const m = /^([245]\.\d{1,3}\.\d{1,3})(?:\s+|$)(.*)$/s.exec(text);
  return m ? { dsn: m[1] as string, reason: m[2] as string } : { dsn: dflt, reason: text };
}

export class MessageState {
  /** Envelope sender after rewriting (the null sender is ''). */
  sender: string;
  /** The last envelope recipient after rewriting, for log lines. */
  recip: string | undefined;
  failure: Failure | undefined;
  /** header_checks and body_checks still apply (REJECT, DISCARD, REDIRECT, PASS end them). */
  filtering: boolean;
  hold: boolean;
  discard: boolean;
  redirect: string | undefined;
  filter: string | undefined;
  /** BCC recipients from header/body checks. */
  readonly bcc: string[] = [];
  /** `host[addr]` or `local`, for log lines. */
  readonly origin: string;
  /** A rejected message goes back to its sender (CLEANUP_FLAG.BOUNCE, non-null sender). */
  readonly bounceable: boolean;
  /** Content stopped being written (message_size_limit): what is kept is incomplete. */
  truncated = false;

  constructor(
    readonly queueId: string,
    readonly begin: CleanupBegin,
    readonly log: Logger,
    filtering: boolean,
  ) {
    const a = begin.attributes;
    this.sender = begin.sender;
    this.recip = begin.recipients[begin.recipients.length - 1]?.address;
    this.filtering = filtering;
    this.hold = false;
    this.discard = false;
    this.origin = a.client_address ? `${a.client_name || 'unknown'}[${a.client_address}]` : 'local';
    this.bounceable = (begin.flags & CLEANUP_FLAG.BOUNCE) !== 0 && begin.sender !== '';
  }

  /** ok - nothing has ended the message (yet). */
  get ok(): boolean {
    return this.failure === undefined && !this.discard;
  }

  /** bouncing - the message was rejected and will be returned to its sender. */
  get bouncing(): boolean {
    return this.bounceable && !this.discard && this.failure?.status === 'reject';
  }

  /** writing - content still goes to the queue file (all is well, or for the bounce). */
  get writing(): boolean {
    return this.ok || (this.bouncing && !this.truncated);
  }

  /** fail - record a verdict; a deferral overrides a rejection, else the first one stays. */
  fail(f: Failure): void {
    if (!this.failure || (f.status === 'defer' && this.failure.status !== 'defer')) this.failure = f;
  }

  /** actLog - Postfix's cleanup_act_log line: `ID: action: class content from origin; ...`. */
  actLog(action: string, klass: string, content: string, text: string): void {
    let line = `${this.queueId}: ${action}: ${klass} ${content.slice(0, 200)} from ${this.origin};`;
    line += ` from=<${this.sender}>`;
    if (this.recip !== undefined) line += ` to=<${this.recip}>`;
    const a = this.begin.attributes;
    if (a.protocol) line += ` proto=${a.protocol}`;
    if (a.helo_name) line += ` helo=<${a.helo_name}>`;
    if (text) line += `: ${text}`;
    this.log.info(line);
  }
}
