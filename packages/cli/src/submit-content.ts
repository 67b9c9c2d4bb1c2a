/*
 * submit-content - turn what a user pipes into sendmail into queue-file content, as
 * Postfix's sendmail does line by line:
 *   - <CR><LF> becomes <LF> (sendmail_fix_line_endings: always; strict decides by the
 *     first line; never leaves lines alone); every trailing CR of a line goes;
 *   - leading `From ` (and `>From `) lines, a Unix mailbox separator, are dropped;
 *   - without -i/-oi a line holding only `.` ends the input (nothing after it is read);
 *   - a last line without a newline gets one.
 * Unchanged lines pass through as slices of the input chunk (no copy). Pure; used by
 * sendmail (message input) and its -bs mode (after dot-unstuffing).
 */

export type FixLineEndings = 'always' | 'strict' | 'never';

export interface MessageFilterOptions {
  dotEndsInput: boolean;
  fixLineEndings: FixLineEndings;
  /** Called with each header line (without its newline) until the empty line. */
  onHeaderLine?: (line: Buffer) => void;
}

const LF = 10;
const CR = 13;
const NEWLINE = Buffer.from('\n');

/** isFromLine - `From ` after any number of `>`: a mailbox separator, not a header. */
function isFromLine(line: Buffer): boolean {
  let i = 0;
  while (i < line.length && line[i] === 0x3e) i++;
  return line.length - i >= 5 && line.toString('latin1', i, i + 5) === 'From ';
}

/** MessageFilter - feed input chunks, collect output pieces; see the file comment. */
export class MessageFilter {
  /** A lone `.` line was seen: the input is complete, ignore the rest. */
  ended = false;
  /** Bytes output so far. */
  size = 0;
  private carry: Buffer[] = [];
  private carrySize = 0;
  private stripCr: boolean | undefined;
  private skipFrom = true;
  private inHeaders = true;

  constructor(private readonly opts: MessageFilterOptions) {
    if (opts.fixLineEndings === 'always') this.stripCr = true;
    if (opts.fixLineEndings === 'never') this.stripCr = false;
  }

  /** pending - bytes of an unfinished line held back. */
  pending(): number {
    return this.carrySize;
  }

  /** push - one chunk of input; returns the output it completes. */
  push(chunk: Buffer): Buffer[] {
    const out: Buffer[] = [];
    let start = 0;
    let run = 0; // start of a stretch of unchanged lines not yet emitted
    for (let nl = chunk.indexOf(LF); nl !== -1 && !this.ended; nl = chunk.indexOf(LF, start)) {
      if (this.carrySize > 0) {
        // The first line of this chunk continues carried bytes: it is handled as a copy.
        const line = Buffer.concat([...this.carry, chunk.subarray(start, nl)]);
        this.carry = [];
        this.carrySize = 0;
        const r = this.classify(line);
        if (r !== null) this.emit(out, r === 'keep' ? line : r, NEWLINE);
        run = nl + 1;
      } else {
        const r = this.classify(chunk.subarray(start, nl));
        if (r !== 'keep') {
          if (run < start) this.emit(out, chunk.subarray(run, start));
          if (r !== null) this.emit(out, r, NEWLINE);
          run = nl + 1;
        }
      }
      start = nl + 1;
    }
    if (run < start) this.emit(out, chunk.subarray(run, start));
    if (!this.ended && start < chunk.length) {
      this.carry.push(chunk.subarray(start));
      this.carrySize += chunk.length - start;
    }
    return out;
  }

  /** end - the input is at its end: the unfinished last line, with a newline. */
  end(): Buffer[] {
    const out: Buffer[] = [];
    if (this.ended || this.carrySize === 0) return out;
    const line = Buffer.concat(this.carry);
    this.carry = [];
    this.carrySize = 0;
    const r = this.classify(line);
    if (r !== null) this.emit(out, r === 'keep' ? line : r, NEWLINE);
    return out;
  }

  /**
   * classify - one complete line (without LF): 'keep' it as it is, null to drop it
   * (a From_ line, or the lone dot that ends the input), or the text to write instead.
   */
  private classify(line: Buffer): Buffer | null | 'keep' {
    if (this.stripCr === undefined) this.stripCr = line.length > 0 && line[line.length - 1] === CR;
    let end = line.length;
    if (this.stripCr) while (end > 0 && line[end - 1] === CR) end--;
    const text = end === line.length ? line : line.subarray(0, end);
    if (this.skipFrom) {
      if (isFromLine(text)) return null;
      this.skipFrom = false;
    }
    if (this.opts.dotEndsInput && text.length === 1 && text[0] === 0x2e) {
      this.ended = true;
      return null;
    }
    if (this.inHeaders) {
      if (text.length === 0) this.inHeaders = false;
      else this.opts.onHeaderLine?.(text);
    }
    return text === line ? 'keep' : text;
  }

  private emit(out: Buffer[], ...bufs: Buffer[]): void {
    for (const b of bufs) {
      out.push(b);
      this.size += b.length;
    }
  }
}
