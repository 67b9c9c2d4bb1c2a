/*
 * header-split - cut the primary header block off the front of a message stream, one
 * logical header (with its continuation lines) at a time, with bounded memory: a
 * header longer than header_size_limit keeps its first bytes and loses the excess,
 * as in Postfix. The block ends at the empty line, or at the first line that is not a
 * header (that line is the body's first; the session then inserts the empty line).
 * Synchronous, bytes in and out; used by session.ts. Reads no parameters.
 */
import { isUtf8 } from 'node:buffer';
import { headerName } from './header-opts.js';

/** One logical header as received. */
export interface RawHeader {
  /** Lower-case header name. */
  name: string;
  /** The header as received, each line with its line ending. */
  raw: Buffer;
  /** As Postfix's checks see it: lines joined by \n, no CR, no final newline. */
  text: string;
  /** The bytes were not UTF-8: text is their latin1 reading (byte for byte). */
  binary: boolean;
  /** The header was cut at header_size_limit. */
  truncated: boolean;
}

export interface SplitResult {
  headers: RawHeader[];
  /** Present once the header block has ended: the body bytes of this chunk (maybe empty). */
  body?: Buffer;
}

const CRLF = Buffer.from('\r\n');

/** headerFromText - a RawHeader for text we made (PREPEND, REPLACE, added headers). */
export function headerFromText(text: string, eol: string): RawHeader {
  const raw = Buffer.from(`${text.replace(/\r?\n/g, eol)}${eol}`, 'utf8');
  return { name: headerName(text) ?? '', raw, text: text.replace(/\r\n/g, '\n'), binary: false, truncated: false };
}

/** HeaderSplitter - feed content chunks, get logical headers, then body bytes. */
export class HeaderSplitter {
  /** Line ending of the message's first line ('\r\n' until known). */
  eol = '\r\n';
  /** The header block has ended. */
  done = false;
  /** It ended with an empty line (false: at a non-header line, or at end of input). */
  separator = false;
  private eolKnown = false;
  private cur: Buffer[] | undefined;
  private curLen = 0;
  private curTruncated = false;
  private partial: Buffer[] = [];
  private partialLen = 0;
  /** Inside an overlong header line: drop bytes until its newline. */
  private skipping = false;
  private bodyStart: Buffer | undefined;

  constructor(private readonly limit: number) {}

  /** push - take a chunk; returns completed headers and, once ended, the body part. */
  push(chunk: Buffer): SplitResult {
    const headers: RawHeader[] = [];
    let pos = 0;
    while (!this.done && pos < chunk.length) {
      const nl = chunk.indexOf(10, pos);
      if (nl < 0) {
        this.keepPartial(chunk.subarray(pos), headers);
        pos = chunk.length;
        break;
      }
      let line = chunk.subarray(pos, nl + 1);
      pos = nl + 1;
      if (this.skipping) {
        this.skipping = false;
        continue;
      }
      if (this.partialLen > 0) {
        line = Buffer.concat([...this.partial, line]);
        this.partial = [];
        this.partialLen = 0;
      }
      this.onLine(line, headers);
    }
    if (!this.done) return { headers };
    const rest = chunk.subarray(pos);
    const start = this.bodyStart;
    this.bodyStart = undefined;
    return { headers, body: start ? Buffer.concat([start, rest]) : rest };
  }

  /** end - the input is complete: finish the last header. */
  end(): SplitResult {
    const headers: RawHeader[] = [];
    if (!this.done) {
      if (this.partialLen > 0 && !this.skipping) this.onLine(Buffer.concat(this.partial), headers);
      this.partial = [];
      this.partialLen = 0;
      this.flush(headers);
      this.done = true;
    }
    const start = this.bodyStart;
    this.bodyStart = undefined;
    return { headers, body: start ?? Buffer.alloc(0) };
  }

  /** keepPartial - an unfinished line; bounded: an overlong header line is cut here. */
  private keepPartial(bytes: Buffer, headers: RawHeader[]): void {
    if (this.skipping) return;
    this.partial.push(bytes);
    this.partialLen += bytes.length;
    if (this.partialLen <= this.limit) return;
    const line = Buffer.concat(this.partial);
    this.partial = [];
    this.partialLen = 0;
    const first = line[0];
    const isHeader = first === 0x20 || first === 0x09 ? this.cur !== undefined : headerName(line.toString('latin1', 0, 1000)) !== undefined;
    if (!isHeader) {
      this.onLine(line, headers); // a long body line: the body starts with it
      return;
    }
    this.onLine(Buffer.concat([line.subarray(0, this.limit), Buffer.from(this.eol)]), headers);
    this.curTruncated = true;
    this.skipping = true;
  }

  private onLine(line: Buffer, headers: RawHeader[]): void {
    if (!this.eolKnown && line.length > 0 && line[line.length - 1] === 10) {
      this.eol = line.length >= 2 && line[line.length - 2] === 13 ? '\r\n' : '\n';
      this.eolKnown = true;
    }
    if ((line.length === 1 && line[0] === 10) || (line.length === 2 && line.equals(CRLF))) {
      this.flush(headers);
      this.done = true;
      this.separator = true;
      return;
    }
    const first = line[0];
    if ((first === 0x20 || first === 0x09) && this.cur) {
      this.append(line);
      return;
    }
    if (first !== 0x20 && first !== 0x09 && headerName(line.toString('latin1', 0, Math.min(line.length, 1000))) !== undefined) {
      this.flush(headers);
      this.cur = [];
      this.curLen = 0;
      this.curTruncated = false;
      this.append(line);
      return;
    }
    this.flush(headers);
    this.done = true;
    this.bodyStart = line;
  }

  private append(line: Buffer): void {
    if (!this.cur || this.curTruncated) return;
    if (this.curLen + line.length > this.limit) {
      this.cur.push(line.subarray(0, Math.max(0, this.limit - this.curLen)), Buffer.from(this.eol));
      this.curTruncated = true;
      return;
    }
    this.cur.push(line);
    this.curLen += line.length;
  }

  private flush(headers: RawHeader[]): void {
    if (!this.cur) return;
    const raw = Buffer.concat(this.cur);
    this.cur = undefined;
    const binary = !isUtf8(raw);
    const text = raw.toString(binary ? 'latin1' : 'utf8').replace(/\r?\n$/, '').replace(/\r\n/g, '\n');
    headers.push({ name: headerName(text) ?? '', raw, text, binary, truncated: this.curTruncated });
  }
}
