/*
 * body - the message content as it goes on the wire after DATA: every line ends in
 * CRLF (queue files may hold LF or CRLF lines), a line starting with "." gets another
 * "." (RFC 5321 4.5.2), and the content ends with "CRLF.CRLF". Works chunk by chunk
 * with O(1) state, so any size streams in bounded memory; a chunk that needs no change
 * is passed on as is (no copy). Pure; used by transaction.ts.
 */

const CRLF = Buffer.from('\r\n');
const DOT = Buffer.from('.');
const END = Buffer.from('.\r\n');
const CRLF_END = Buffer.from('\r\n.\r\n');
const LF = 0x0a;
const CR = 0x0d;
const PERIOD = 0x2e;

/** DataEncoder - CRLF normalisation and dot-stuffing across chunk boundaries. */
export class DataEncoder {
  /** The last byte written ended a line (or nothing was written yet). */
  private atLineStart = true;
  /** The last byte written was CR. */
  private lastCR = false;

  /** encode - one chunk of content, ready to write. */
  encode(chunk: Buffer): Buffer {
    const n = chunk.length;
    if (n === 0) return chunk;
    const parts: Buffer[] = [];
    let modified = false;
    let i = 0;
    while (i < n) {
      if (this.atLineStart && chunk[i] === PERIOD) {
        parts.push(DOT);
        modified = true;
      }
      const nl = chunk.indexOf(LF, i);
      if (nl < 0) {
        parts.push(chunk.subarray(i));
        this.atLineStart = false;
        this.lastCR = chunk[n - 1] === CR;
        break;
      }
      const prevCR = nl > 0 ? chunk[nl - 1] === CR : this.lastCR;
      if (prevCR) {
        parts.push(chunk.subarray(i, nl + 1));
      } else {
        parts.push(chunk.subarray(i, nl), CRLF);
        modified = true;
      }
      i = nl + 1;
      this.atLineStart = true;
      this.lastCR = false;
    }
    return modified ? Buffer.concat(parts) : chunk;
  }

  /** end - what closes the content: a missing line end, then ".CRLF". */
  end(): Buffer {
    return this.atLineStart ? END : CRLF_END;
  }
}

/** encodeData - a whole message at once (tests, small messages). */
export function encodeData(content: Buffer): Buffer {
  const enc = new DataEncoder();
  return Buffer.concat([enc.encode(content), enc.end()]);
}
