/*
 * queue/dump-content - postcat's printing of message content: header lines (-h),
 * then body lines (-b), one line at a time with optional offset and type columns.
 *
 * The body starts at the first line that is neither a header (`name:`) nor a
 * continuation (leading space or tab), as Postfix's postcat. Content is read in 64 KiB
 * pieces; a line longer than that is printed in pieces, so memory stays bounded.
 * Lines are printed with a plain LF whatever their stored ending. Used by queue/dump.
 */
import { REC } from './records.js';

export interface DumpFlags {
  envelope: boolean;
  header: boolean;
  body: boolean;
  /** -o: print each record's file offset. */
  offsets: boolean;
  /** -d: print each record's decimal type. */
  decimal: boolean;
  /** -v count: > 0 labels text lines `regular_text:`. */
  verbose: number;
  /** -s offset: start at this record offset instead of the beginning. */
  start?: number;
}

/** Sequential positional reads of the input (a file or a buffer). */
export interface DumpSource {
  readonly size: number;
  read(position: number, length: number): Buffer;
}

export type DumpSink = (chunk: string | Buffer) => void;

const PIECE = 64 * 1024;

/** prefix - the offset and type columns (`%9lu `, `%3d `) of an output line. */
export function linePrefix(flags: DumpFlags, offset: number, type: number): string {
  return (flags.offsets ? `${String(offset).padStart(9)} ` : '') + (flags.decimal ? `${String(type).padStart(3)} ` : '');
}

/** isHeaderLine - Postfix's is_header(): a name of printable characters, optional blanks, a colon. */
function isHeaderStart(line: Buffer): boolean {
  let i = 0;
  while (i < line.length) {
    const c = line[i] as number;
    if (c === 0x3a) return i > 0;
    if (c <= 0x20 || c >= 0x7f) break;
    i++;
  }
  if (i === 0) return false;
  while (i < line.length && (line[i] === 0x20 || line[i] === 0x09)) i++;
  return line[i] === 0x3a;
}

/** dumpContent - print content bytes [start, start+size) as the flags ask. */
export function dumpContent(src: DumpSource, start: number, size: number, flags: DumpFlags, out: DumpSink): void {
  let inBody = false;
  let atLineStart = true;
  let printing = flags.header;
  let open = false; // a printed line is still missing its newline
  let carry: Buffer | undefined;
  let pos = start;
  const end = start + size;
  while (pos < end || carry) {
    const chunk = pos < end ? src.read(pos, Math.min(PIECE, end - pos)) : Buffer.alloc(0);
    if (pos < end && chunk.length === 0) break;
    const base = pos - (carry?.length ?? 0);
    const buf = carry ? Buffer.concat([carry, chunk]) : chunk;
    pos += chunk.length;
    carry = undefined;
    let i = 0;
    while (i < buf.length) {
      const nl = buf.indexOf(0x0a, i);
      // A partial line at the end of a piece waits for the next piece if short.
      if (nl < 0 && atLineStart && pos < end && buf.length - i < PIECE) {
        carry = buf.subarray(i);
        break;
      }
      const stop = nl < 0 ? buf.length : nl + 1;
      let line = buf.subarray(i, stop);
      if (atLineStart) {
        if (!inBody && !(isHeaderStart(line) || line[0] === 0x20 || line[0] === 0x09)) {
          inBody = true;
          printing = flags.body;
          if (!printing) return; // only headers were wanted
        }
        if (printing) out(linePrefix(flags, base + i, REC.NORM) + (flags.verbose > 0 ? 'regular_text: ' : ''));
      }
      if (printing) {
        if (nl >= 0) line = line.subarray(0, line.length - (line.length >= 2 && line[line.length - 2] === 0x0d ? 2 : 1));
        out(line);
        if (nl >= 0) out('\n');
        open = nl < 0;
      }
      atLineStart = nl >= 0;
      i = stop;
    }
  }
  if (open) out('\n');
}
