/*
 * ipc/lines - split a byte stream into lines (newline-delimited JSON framing).
 * Used by the IPC client and server; bounded so a peer cannot make us buffer forever.
 */
import { ProtocolError } from './codec.js';

/** The longest line (bytes) an internal protocol accepts. */
export const MAX_LINE = 16 * 1024 * 1024;

/** LineSplitter - feed chunks, get whole lines (without the newline) through `onLine`. */
export class LineSplitter {
  private parts: Buffer[] = [];
  private size = 0;

  constructor(
    private readonly onLine: (line: string) => void,
    private readonly maxLine = MAX_LINE,
  ) {}

  /** push - add a chunk; calls onLine for every complete line in it. */
  push(chunk: Buffer): void {
    let start = 0;
    for (let nl = chunk.indexOf(10); nl !== -1; nl = chunk.indexOf(10, start)) {
      const piece = chunk.subarray(start, nl);
      let line: string;
      if (this.size === 0) {
        line = piece.toString('utf8');
      } else {
        this.parts.push(piece);
        line = Buffer.concat(this.parts).toString('utf8');
        this.parts = [];
        this.size = 0;
      }
      start = nl + 1;
      this.onLine(line);
    }
    if (start < chunk.length) {
      this.size += chunk.length - start;
      if (this.size > this.maxLine) throw new ProtocolError(`line longer than ${this.maxLine} bytes`);
      this.parts.push(chunk.subarray(start));
    }
  }

  /** pending - bytes of an unfinished line. */
  pending(): number {
    return this.size;
  }
}
