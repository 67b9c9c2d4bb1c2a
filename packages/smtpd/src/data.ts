/*
 * data - the DATA phase byte scanner: finds the end of the message, removes dot-stuffing
 * and applies the bare newline policy (smtpd_forbid_bare_newline), one input chunk at a
 * time with no buffering beyond its state (a 50 MB message streams through).
 *
 * The SMTP smuggling defence lives here: only <CR><LF>.<CR><LF> ends a message, where
 * both line ends are real CR LF pairs. <LF>.<LF>, <CR><LF>.<LF>, <LF>.<CR><LF>, <CR>.<CR>
 * and friends never do, whatever the policy. The policy decides what a bare LF or a
 * bare CR inside the content becomes:
 *   no         kept as it is;
 *   normalize  replaced by CR LF (so that no later hop can read it as a line end that
 *              this server did not see); `yes` and `note` are the same here;
 *   reject     replaced by CR LF and remembered: the caller refuses the message.
 * Used by input.ts; pure (no I/O), so it is tested by feeding chunks.
 */

export type BareNewlineMode = 'reject' | 'normalize' | 'note' | 'no';

/** parseBareNewlineMode - the value of smtpd_forbid_bare_newline (`yes` means normalize, as in Postfix 3.9). */
export function parseBareNewlineMode(value: string): BareNewlineMode | undefined {
  const v = value.trim().toLowerCase();
  if (v === 'yes' || v === 'normalize') return 'normalize';
  if (v === 'reject' || v === 'note' || v === 'no') return v;
  return undefined;
}

const CR = 0x0d;
const LF = 0x0a;
const DOT = 0x2e;
const CRLF = Buffer.from('\r\n');
const BARE_LF = Buffer.from('\n');
const BARE_CR = Buffer.from('\r');

/** Where the scanner is within a line. */
const enum S {
  /** At the start of a line (or of the message). */
  LineStart,
  /** A `.` at the start of a line, not yet passed on. */
  Dot,
  /** `.` CR at the start of a line. */
  DotCr,
  /** Inside a line. */
  Mid,
  /** A CR inside a line whose meaning depends on the next byte. */
  Cr,
}

export interface ScanResult {
  /** Message content from this chunk, in order (dot-unstuffed, newlines per policy). */
  out: Buffer[];
  /** Index just after the end-of-data line, or -1 when the message goes on. */
  end: number;
}

/** DataScanner - one message's DATA phase. */
export class DataScanner {
  /** The content held a bare LF / a bare CR. */
  bareLf = false;
  bareCr = false;
  private state = S.LineStart;
  /** The previous line ended with a real CR LF (true at the start of the message). */
  private afterCrlf = true;
  /** Position of a pending CR in the current chunk, -1 when it came with an earlier chunk. */
  private crAt = -1;

  constructor(private readonly mode: BareNewlineMode) {}

  /** feed - scan one chunk; after `end` >= 0 the rest of the chunk is not message content. */
  feed(chunk: Buffer): ScanResult {
    const out: Buffer[] = [];
    let run = -1; // start of a stretch of bytes passed on unchanged
    const flush = (to: number): void => {
      if (run >= 0 && to > run) out.push(chunk.subarray(run, to));
      run = -1;
    };
    const keep = (i: number): void => {
      if (run < 0) run = i;
    };
    const bare = (what: 'lf' | 'cr'): void => {
      if (what === 'lf') this.bareLf = true;
      else this.bareCr = true;
      out.push(this.mode === 'no' ? (what === 'lf' ? BARE_LF : BARE_CR) : CRLF);
    };
    // mid - one byte inside a line.
    const mid = (i: number, b: number): void => {
      if (b === CR) {
        keep(i);
        this.crAt = i;
        this.state = S.Cr;
      } else if (b === LF) {
        flush(i);
        bare('lf');
        this.afterCrlf = false;
        this.state = S.LineStart;
      } else {
        keep(i);
        this.state = S.Mid;
      }
    };

    for (let i = 0; i < chunk.length; i++) {
      const b = chunk[i] as number;
      switch (this.state) {
        case S.LineStart:
          if (b === DOT) {
            flush(i);
            this.state = S.Dot;
          } else {
            mid(i, b);
          }
          break;
        case S.Dot:
          if (b === CR) {
            this.state = S.DotCr;
          } else if (b === LF) {
            // `.` LF: a dot line with a bare LF is never the end; unstuffed it is empty.
            bare('lf');
            this.afterCrlf = false;
            this.state = S.LineStart;
          } else if (b === DOT) {
            keep(i); // `..` is an escaped `.`
            this.state = S.Mid;
          } else {
            mid(i, b); // the stuffing dot is dropped
          }
          break;
        case S.DotCr:
          if (b === LF) {
            if (this.afterCrlf) {
              flush(i);
              return { out, end: i + 1 };
            }
            out.push(CRLF); // <LF>.<CR><LF>: an empty line, not the end
            this.afterCrlf = true;
            this.state = S.LineStart;
          } else {
            bare('cr');
            mid(i, b);
          }
          break;
        case S.Mid:
          mid(i, b);
          break;
        case S.Cr:
          if (b === LF) {
            if (this.crAt < 0) out.push(CRLF);
            else keep(i);
            this.afterCrlf = true;
            this.state = S.LineStart;
          } else {
            if (this.crAt >= 0) flush(this.crAt);
            bare('cr');
            mid(i, b);
          }
          break;
      }
    }
    // A CR at the end of the chunk is not passed on until its next byte is known.
    if (this.state === S.Cr && this.crAt >= 0) {
      flush(this.crAt);
      this.crAt = -1;
    }
    flush(chunk.length);
    return { out, end: -1 };
  }
}
