/*
 * mailbox/copy - the message as Postfix's mail_copy hands it to a command: each line of
 * the queued content (CRLF or LF) ends with the `eol` string, `From ` lines get a `>` in
 * front (flag `>`), lines that start with `.` get another `.` (flag `.`), the last line
 * always gets its end, and flag `B` adds an empty line. Streams chunk by chunk and holds
 * back only an incomplete last line. Used by the pipe delivery agent. Reads no parameters.
 */

export interface CopyOptions {
  /** Record delimiter written after each line (pipe's eol=, default "\n"). */
  eol: string;
  quoteFrom: boolean;
  dotStuff: boolean;
  /** Append an empty line (an extra eol). */
  blank: boolean;
}

const LF = 0x0a;
const CR = 0x0d;
const FROM = Buffer.from('From ');

/** LineCopier - converts chunks; push() returns what to write, end() the rest. */
export class LineCopier {
  private carry: Buffer = Buffer.alloc(0);
  private readonly eol: Buffer;

  constructor(private readonly o: CopyOptions) {
    this.eol = Buffer.from(o.eol, 'latin1');
  }

  push(chunk: Buffer): Buffer {
    const buf = this.carry.length > 0 ? Buffer.concat([this.carry, chunk]) : chunk;
    const out: Buffer[] = [];
    let start = 0;
    for (let nl = buf.indexOf(LF, start); nl >= 0; nl = buf.indexOf(LF, start)) {
      this.line(buf.subarray(start, nl > start && buf[nl - 1] === CR ? nl - 1 : nl), out);
      start = nl + 1;
    }
    this.carry = Buffer.from(buf.subarray(start));
    return Buffer.concat(out);
  }

  end(): Buffer {
    const out: Buffer[] = [];
    if (this.carry.length > 0) this.line(this.carry, out);
    this.carry = Buffer.alloc(0);
    if (this.o.blank) out.push(this.eol);
    return Buffer.concat(out);
  }

  private line(line: Buffer, out: Buffer[]): void {
    if (this.o.quoteFrom && line.subarray(0, FROM.length).equals(FROM)) out.push(Buffer.from('>'));
    if (this.o.dotStuff && line[0] === 0x2e) out.push(Buffer.from('.'));
    out.push(line, this.eol);
  }
}

/** copyLines - `prefix`, then the converted content of `source`. */
export async function* copyLines(prefix: string, source: AsyncIterable<Buffer>, o: CopyOptions): AsyncGenerator<Buffer> {
  if (prefix) yield Buffer.from(prefix);
  const c = new LineCopier(o);
  for await (const chunk of source) {
    const b = c.push(chunk);
    if (b.length > 0) yield b;
  }
  const rest = c.end();
  if (rest.length > 0) yield rest;
}
