/*
 * submit-lines - read a byte stream one line at a time, as Buffers (8-bit data stays
 * intact), for sendmail -bs's SMTP dialogue. A line longer than `maxLine` is returned
 * in pieces of that size, so memory stays bounded whatever the peer sends.
 */
import type { Readable } from 'node:stream';

export interface Line {
  /** The bytes without LF (a CR before it is left to the caller). */
  data: Buffer;
  /** False for a piece of an over-long line, or a last line without LF. */
  complete: boolean;
}

/** LineReader - `next()` resolves to the next line, or null at end of input. */
export class LineReader {
  private buf: Buffer = Buffer.alloc(0);
  private ended = false;
  private error: Error | undefined;
  private wake: (() => void) | undefined;

  constructor(
    private readonly input: Readable,
    private readonly maxLine = 64 * 1024,
  ) {
    input.on('data', (chunk: Buffer) => {
      this.buf = this.buf.length === 0 ? chunk : Buffer.concat([this.buf, chunk]);
      if (this.buf.length > this.maxLine) input.pause(); // resumed when lines are taken
      this.notify();
    });
    input.on('end', () => {
      this.ended = true;
      this.notify();
    });
    input.on('error', (err: Error) => {
      this.error = err;
      this.ended = true;
      this.notify();
    });
  }

  /** next - the next line; null once the input is exhausted. */
  async next(): Promise<Line | null> {
    for (;;) {
      const nl = this.buf.indexOf(10);
      if (nl >= 0 && nl <= this.maxLine) return this.take(nl, nl + 1, true);
      if (this.buf.length >= this.maxLine) return this.take(this.maxLine, this.maxLine, false);
      if (this.ended) {
        if (this.error) throw this.error;
        return this.buf.length > 0 ? this.take(this.buf.length, this.buf.length, false) : null;
      }
      this.input.resume();
      await new Promise<void>((resolve) => (this.wake = resolve));
    }
  }

  private take(end: number, skip: number, complete: boolean): Line {
    const data = this.buf.subarray(0, end);
    this.buf = this.buf.subarray(skip);
    return { data, complete };
  }

  private notify(): void {
    const w = this.wake;
    this.wake = undefined;
    w?.();
  }
}
