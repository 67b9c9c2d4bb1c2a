/*
 * mailbox/lines - turn queued content into what a UNIX mail file holds: CRLF line ends
 * become LF, the last line gets its LF, and for mbox files a line that starts with
 * "From " gets a ">" in front (Postfix's MAIL_COPY_QUOTE). Works chunk by chunk, holding
 * back at most a few bytes across chunk boundaries; content without CR and without
 * "From " lines passes through without a copy. Used by mailbox/maildir and mailbox/mbox.
 */

const LF = 0x0a;
const CR = 0x0d;
const FROM = Buffer.from('From ');
const GT = Buffer.from('>');
const NL = Buffer.from('\n');
const EMPTY = Buffer.alloc(0);

/** stripCr - `\r\n` → `\n` (a CR not followed by LF stays). */
function stripCr(buf: Buffer): Buffer {
  let i = buf.indexOf('\r\n');
  if (i < 0) return buf;
  const out = Buffer.allocUnsafe(buf.length);
  let o = 0;
  let start = 0;
  while (i >= 0) {
    o += buf.copy(out, o, start, i);
    out[o++] = LF;
    start = i + 2;
    i = buf.indexOf('\r\n', start);
  }
  o += buf.copy(out, o, start);
  return out.subarray(0, o);
}

export class LineConverter {
  private carry: Buffer = EMPTY;
  private atLineStart = true;
  private written = 0;

  constructor(private readonly quoteFrom: boolean) {}

  /** push - convert one chunk; returns the pieces to write (may be empty). */
  push(chunk: Buffer): Buffer[] {
    let buf = this.carry.length > 0 ? Buffer.concat([this.carry, chunk]) : chunk;
    let keep = buf.length > 0 && buf[buf.length - 1] === CR ? 1 : 0;
    if (this.quoteFrom) {
      // A line start with fewer than five bytes after it might still become "From ".
      const nl = buf.lastIndexOf(LF, buf.length - 1 - keep);
      const start = nl >= 0 ? nl + 1 : this.atLineStart ? 0 : -1;
      if (start >= 0 && buf.length - start < FROM.length && FROM.subarray(0, buf.length - start).equals(buf.subarray(start))) {
        keep = buf.length - start;
      }
    }
    this.carry = keep > 0 ? Buffer.from(buf.subarray(buf.length - keep)) : EMPTY;
    buf = buf.subarray(0, buf.length - keep);
    return this.convert(buf);
  }

  /** end - flush what was held back and end the last line. */
  end(): Buffer[] {
    const out = this.convert(this.carry);
    this.carry = EMPTY;
    if (this.written > 0 && !this.atLineStart) {
      out.push(NL);
      this.written++;
      this.atLineStart = true;
    }
    return out;
  }

  /** Bytes produced so far. */
  get size(): number {
    return this.written;
  }

  private convert(input: Buffer): Buffer[] {
    if (input.length === 0) return [];
    const buf = input.includes(CR) ? stripCr(input) : input;
    const out: Buffer[] = [];
    if (this.quoteFrom) {
      let start = 0;
      if (this.atLineStart && buf.subarray(0, FROM.length).equals(FROM)) out.push(GT);
      for (let i = buf.indexOf('\nFrom '); i >= 0; i = buf.indexOf('\nFrom ', i + 1)) {
        out.push(buf.subarray(start, i + 1), GT);
        start = i + 1;
      }
      out.push(start === 0 ? buf : buf.subarray(start));
    } else {
      out.push(buf);
    }
    for (const b of out) this.written += b.length;
    this.atLineStart = buf[buf.length - 1] === LF;
    return out;
  }
}

/** convertWhole - a whole message converted at once (small messages). */
export function convertWhole(buf: Buffer, quoteFrom: boolean): Buffer[] {
  const c = new LineConverter(quoteFrom);
  return [...c.push(buf), ...c.end()];
}
