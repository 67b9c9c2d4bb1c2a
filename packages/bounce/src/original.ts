/*
 * original - the returned part of a notice, read from the original's queue file
 * (openContentStream): its headers only, or the whole message when DSN RET=FULL
 * (or no RET) and it fits bounce_size_limit (a larger one is returned as headers,
 * so its MIME structure is never cut). Line ends become LF, as in the rest of the
 * notice. A file that cannot be read is reported, not fatal: the notice then says
 * `--- Undelivered message unavailable ---`, as Postfix's does. Used by service.ts.
 */
import { openContentStream, readQueueFileSync, type QueueFile } from '@mailroom/global';

export interface Original {
  /** The content is the header section only. */
  headersOnly: boolean;
  /** The returned bytes (LF line ends); null when the original could not be read. */
  data: Buffer | null;
  /** Unlimited returns stream instead (bounce_size_limit = 0): a fresh iterable per call. */
  stream?: () => AsyncIterable<Buffer>;
  /** Some returned byte is not 7-bit. */
  eightBit: boolean;
  /** The original needs SMTPUTF8 (message/global). */
  smtputf8: boolean;
  /** Why the original is unavailable. */
  error?: string;
}

/** toLf - CRLF line ends become LF (bytes kept as they are). */
export function toLf(buf: Buffer): Buffer {
  return buf.includes(13) ? Buffer.from(buf.toString('latin1').replace(/\r\n/g, '\n'), 'latin1') : buf;
}

/** hasEightBit - a byte above 0x7f. */
export function hasEightBit(buf: Buffer): boolean {
  for (const b of buf) if (b > 0x7f) return true;
  return false;
}

/**
 * headerSectionEnd - length of the header section of LF text (latin1): up to the
 * first line that is empty or neither a header nor a continuation; -1 if `text`
 * ends before one (need more), unless `final`.
 */
export function headerSectionEnd(text: string, final: boolean): number {
  let pos = 0;
  while (pos < text.length) {
    const nl = text.indexOf('\n', pos);
    if (nl < 0) return final ? text.length : -1;
    const line = text.slice(pos, nl);
    const continuation = pos > 0 && (line.startsWith(' ') || line.startsWith('\t'));
    if (!continuation && !/^[!-9;-~]+[ \t]*:/.test(line)) return pos;
    pos = nl + 1;
  }
  return pos;
}

async function readHeaders(qf: QueueFile): Promise<Buffer> {
  const stream = openContentStream(qf, { highWaterMark: 16 * 1024 });
  let text = '';
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      text += chunk.toString('latin1');
      const lf = text.replace(/\r\n/g, '\n');
      const end = headerSectionEnd(lf, false);
      if (end >= 0) return Buffer.from(lf.slice(0, end), 'latin1');
    }
  } finally {
    stream.destroy();
  }
  const lf = text.replace(/\r\n/g, '\n');
  return Buffer.from(lf.slice(0, headerSectionEnd(lf, true)), 'latin1');
}

async function readAll(qf: QueueFile): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const chunk of openContentStream(qf) as AsyncIterable<Buffer>) parts.push(chunk);
  return toLf(Buffer.concat(parts));
}

/** streamLf - the whole content with LF line ends, in pieces (a CR at a piece's end waits for the next). */
async function* streamLf(qf: QueueFile): AsyncIterable<Buffer> {
  let carry = false;
  for await (const chunk of openContentStream(qf) as AsyncIterable<Buffer>) {
    let buf: Buffer = carry ? Buffer.concat([Buffer.from('\r'), chunk]) : chunk;
    carry = buf.length > 0 && buf[buf.length - 1] === 13;
    if (carry) buf = buf.subarray(0, buf.length - 1);
    yield toLf(buf);
  }
  if (carry) yield Buffer.from('\r');
}

async function scanEightBit(qf: QueueFile): Promise<boolean> {
  const stream = openContentStream(qf);
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) if (hasEightBit(chunk)) return true;
  } finally {
    stream.destroy();
  }
  return false;
}

/** loadOriginal - what to return of the queue file at `path`. */
export async function loadOriginal(path: string, wantFull: boolean, sizeLimit: number): Promise<Original> {
  let qf: QueueFile;
  try {
    qf = readQueueFileSync(path);
  } catch (err) {
    return { headersOnly: !wantFull, data: null, eightBit: false, smtputf8: false, error: (err as Error).message };
  }
  const headersOnly = !wantFull || (sizeLimit > 0 && qf.contentSize > sizeLimit);
  try {
    if (!headersOnly && sizeLimit === 0) {
      return { headersOnly, data: null, stream: () => streamLf(qf), eightBit: await scanEightBit(qf), smtputf8: qf.smtputf8 };
    }
    const data = headersOnly ? await readHeaders(qf) : await readAll(qf);
    return { headersOnly, data, eightBit: hasEightBit(data), smtputf8: qf.smtputf8 };
  } catch (err) {
    return { headersOnly, data: null, eightBit: false, smtputf8: qf.smtputf8, error: (err as Error).message };
  }
}
