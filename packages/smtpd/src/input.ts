/*
 * input - what smtpd reads from a client: command lines and DATA content. It replaces
 * smtp-server's SMTPStream (same interface, so SMTPConnection drives it unchanged) to
 * add what that parser leaves to us:
 *   - bare LF / bare CR in command lines under smtpd_forbid_bare_newline;
 *   - a command line length limit (line_length_limit): as Postfix, a longer line is cut
 *     there, the rest of it (up to the LF) is skipped, and the cut line is the command;
 *   - DATA through DataScanner (only CRLF.CRLF ends a message; see data.ts);
 *   - message_size_limit enforced while streaming: content past the limit is dropped,
 *     the message is only marked (stream.sizeExceeded) and refused at its end;
 *   - a gate before each command (error-limit tarpit, hard error limit, stop);
 *   - smtpd_per_record_deadline: a line (command or content) started must end within
 *     recordDeadlineMs, however slowly its bytes trickle in (slowloris clients).
 * Used by connection.ts. Reads no parameters; connection.ts passes them in InputHooks.
 */
import { PassThrough } from 'node:stream';
import { SMTPStream } from 'smtp-server/lib/smtp-stream.js';
import type { SMTPServerDataStream } from 'smtp-server';
import { DataScanner, type BareNewlineMode } from './data.js';

/** The message stream handed to onData, with what the scanner saw. */
export interface MessageStream extends SMTPServerDataStream {
  bareLf: boolean;
  bareCr: boolean;
}

export type CommandViolation = 'bare-lf' | 'bare-cr';

export interface InputHooks {
  /** Longest command line accepted (bytes, without its line end). */
  lineLimit: number;
  /** message_size_limit in bytes (0: none). */
  sizeLimit: number;
  /** The bare newline policy for this client (exclusions applied). */
  newlineMode(): BareNewlineMode;
  /** A command line broke a rule: reply; return false to stop reading (the connection closes). */
  onViolation(kind: CommandViolation, line?: Buffer): boolean;
  /** A bare LF was accepted under `note`. */
  onNote(): void;
  /** A command line was longer than lineLimit: `line` is what is left of it (log it). */
  onLongLine(line: Buffer): void;
  /** Time a started line may take to end (ms; 0: no deadline), and what to do when it passes. */
  recordDeadlineMs: number;
  onDeadline(): void;
  /** Before each command: true to run it (possibly later), false to stop reading. */
  beforeCommand(): boolean | Promise<boolean>;
}

const EMPTY = Buffer.alloc(0);
/** Commands handled in one go before yielding to other connections. */
const MAX_SYNC_COMMANDS = 100;

/** SmtpInput - the command and DATA parser of one connection. */
export class SmtpInput extends SMTPStream {
  private pending: Buffer = EMPTY;
  private next: (() => void) | undefined;
  private scanner: DataScanner | undefined;
  private busy = false;
  private again = false;
  /** A command, a gate or the end of DATA holds further input. */
  private holding = false;
  private continued = false;
  private skipping = false;
  /** The first lineLimit bytes of the over-long line being skipped, and its last byte so far. */
  private head: Buffer = EMPTY;
  private lastSkipped = -1;
  private synced = 0;
  private deadline: NodeJS.Timeout | undefined;

  constructor(private readonly hooks: InputHooks) {
    super();
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding | 'buffer', next: (err?: Error | null) => void): void {
    this.pending = this.pending.length > 0 ? Buffer.concat([this.pending, chunk]) : chunk;
    this.next = next;
    if (this.hooks.recordDeadlineMs > 0) this.track(chunk);
    this.pump();
  }

  /** track - a line ended: no deadline; a line is open: its deadline runs from its first byte. */
  private track(chunk: Buffer): void {
    const lf = chunk.lastIndexOf(0x0a);
    if (lf >= 0 && this.deadline) {
      clearTimeout(this.deadline);
      this.deadline = undefined;
    }
    if (lf < chunk.length - 1 && !this.deadline && !this.isClosed) {
      this.deadline = setTimeout(() => {
        this.deadline = undefined;
        if (!this.isClosed) this.hooks.onDeadline();
      }, this.hooks.recordDeadlineMs);
      this.deadline.unref();
    }
  }

  /** peek - up to `n` bytes received but not yet read (pipelined input after the current command). */
  peek(n: number): Buffer {
    return this.pending.subarray(0, n);
  }

  /** A partial line at the end of input is not a command. */
  override _flushData(): void {}

  override startDataMode(): SMTPServerDataStream {
    const stream = new PassThrough() as unknown as MessageStream;
    stream.byteLength = 0;
    stream.sizeExceeded = false;
    stream.bareLf = false;
    stream.bareCr = false;
    this.scanner = new DataScanner(this.hooks.newlineMode());
    this._dataMode = true;
    this._dataStream = stream;
    this.dataBytes = 0;
    this.continued = false;
    return stream;
  }

  /** The connection has answered the message: read on. */
  override continue(): void {
    if (this._dataMode) {
      this.continued = true; // answered early (stream destroyed): go on once the message ends
      return;
    }
    this.release();
  }

  private release(): void {
    this.holding = false;
    this.pump();
  }

  private pump(): void {
    if (this.busy) {
      this.again = true;
      return;
    }
    this.busy = true;
    try {
      do {
        this.again = false;
        this.step();
      } while (this.again);
    } finally {
      this.busy = false;
    }
  }

  /** step - consume input until something must be waited for. */
  private step(): void {
    for (;;) {
      if (this.isClosed) {
        this.pending = EMPTY;
        this.drained();
        return;
      }
      if (this.holding) return;
      if (this._dataMode) {
        if (!this.dataStep()) return;
        continue;
      }
      const lf = this.pending.indexOf(0x0a);
      if (lf < 0) {
        if (!this.skipping && this.pending.length > this.hooks.lineLimit + 1) {
          this.skipping = true; // keep the head only: a line without end costs no memory
          this.head = Buffer.from(this.pending.subarray(0, this.hooks.lineLimit));
        }
        if (this.skipping) {
          if (this.pending.length > 0) this.lastSkipped = this.pending[this.pending.length - 1] as number;
          this.pending = EMPTY;
        }
        this.drained(true); // a partial line waits for the rest of it
        return;
      }
      let line = this.pending.subarray(0, lf);
      this.pending = this.pending.subarray(lf + 1);
      const crlf = line.length > 0 ? line[line.length - 1] === 0x0d : this.skipping && this.lastSkipped === 0x0d;
      if (this.skipping) {
        this.skipping = false;
        line = this.head;
        this.head = EMPTY;
        this.hooks.onLongLine(line);
      } else {
        if (crlf) line = line.subarray(0, -1);
        if (line.length > this.hooks.lineLimit) {
          line = line.subarray(0, this.hooks.lineLimit);
          this.hooks.onLongLine(line);
        }
      }
      const mode = this.hooks.newlineMode();
      if (mode !== 'no' && line.includes(0x0d)) {
        this.violation('bare-cr', line);
        continue;
      }
      if (!crlf && mode !== 'no') {
        if (mode === 'reject') {
          this.violation('bare-lf', line);
          continue;
        }
        if (mode === 'note') this.hooks.onNote();
      }
      this.dispatch(line);
      return;
    }
  }

  private violation(kind: CommandViolation, line?: Buffer): boolean {
    const goOn = this.hooks.onViolation(kind, line);
    if (!goOn) this.isClosed = true;
    return goOn;
  }

  /** dispatch - run one command behind the gate; its callback reads on. */
  private dispatch(line: Buffer): void {
    this.holding = true;
    const run = (ok: boolean): void => {
      if (!ok || this.isClosed) {
        this.isClosed = true;
        this.release();
        return;
      }
      this.oncommand(line, () => {
        if (++this.synced >= MAX_SYNC_COMMANDS) {
          this.synced = 0;
          setImmediate(() => this.release()); // let other connections run
        } else {
          this.release();
        }
      });
    };
    const gate = this.hooks.beforeCommand();
    if (gate === true || gate === false) run(gate);
    else gate.then(run, () => run(false));
  }

  /** dataStep - feed pending bytes to the scanner; false when waiting (drain, reply, input). */
  private dataStep(): boolean {
    const stream = this._dataStream as MessageStream;
    const scanner = this.scanner as DataScanner;
    const { out, end } = scanner.feed(this.pending);
    this.pending = end >= 0 ? this.pending.subarray(end) : EMPTY;
    let size = 0;
    for (const b of out) size += b.length;
    const limit = this.hooks.sizeLimit;
    const over = limit > 0 && this.dataBytes + size > limit;
    this.dataBytes += size;
    stream.byteLength = this.dataBytes;
    stream.bareLf = scanner.bareLf;
    stream.bareCr = scanner.bareCr;
    let flowing = true;
    if (over) stream.sizeExceeded = true;
    else if (size > 0 && stream.writable) flowing = stream.write(out.length === 1 ? (out[0] as Buffer) : Buffer.concat(out, size));
    if (end >= 0) {
      this._dataMode = false;
      this._dataStream = null;
      this.scanner = undefined;
      this.holding = !this.continued;
      stream.end();
      return true;
    }
    if (!flowing && !stream.destroyed) {
      const resume = (): void => {
        stream.off('drain', resume);
        stream.off('close', resume);
        this.drained();
      };
      stream.on('drain', resume);
      stream.on('close', resume);
      return false;
    }
    this.drained();
    return false;
  }

  /** drained - all pending input is used (or only a partial command line is left): ask the socket for more. */
  private drained(partial = false): void {
    if (this.pending.length > 0 && !partial) return;
    const next = this.next;
    this.next = undefined;
    next?.();
  }
}
