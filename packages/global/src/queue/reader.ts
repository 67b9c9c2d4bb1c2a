/*
 * queue/reader - read a queue file's envelope without its body, and stream the body.
 *
 * readQueueFile() reads the head of the file (one read when the file is small; the
 * envelope and the extracted segment otherwise, never the content) and validates
 * every record, the size record's offsets and the end record: a truncated or garbled
 * file throws QueueFileError('corrupt'); a file without the owner-execute bit throws
 * QueueFileError('incomplete'). Reads are synchronous: Postfix's qmgr reads the same
 * way, and a page-cached read costs less than a thread-pool hop. Used by qmgr, the
 * delivery agents, bounce, showq and postsuper. Reads no parameters.
 */
import fs from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { QueueFileError } from './errors.js';
import type { QueueFile } from './format.js';
import { parseSegments, parseSizeRecord } from './parse.js';
import { readAt } from './fsio.js';

/** The first read takes this much; most queue files fit entirely. */
const HEAD_READ = 64 * 1024;

export interface ReadQueueFileOptions {
  /** Read a file without the owner-execute bit too (postcat, postsuper). */
  allowIncomplete?: boolean;
}

/** readQueueFileSync - envelope, recipients (with done flags) and content location. */
export function readQueueFileSync(file: string, opts: ReadQueueFileOptions = {}): QueueFile {
  const fd = fs.openSync(file, 'r');
  try {
    const st = fs.fstatSync(fd);
    const complete = (st.mode & 0o100) !== 0;
    if (!complete && !opts.allowIncomplete) throw new QueueFileError('incomplete', file, 'queue file is not complete (owner-execute bit not set)');
    const first = readAt(fd, Math.min(st.size, HEAD_READ), 0);
    const sf = parseSizeRecord(first, file);
    const tailStart = sf.contentOffset + sf.contentSize;
    if (sf.contentOffset === 0 || tailStart > st.size) throw new QueueFileError('corrupt', file, 'size record does not match file size');
    const whole = first.length === st.size;
    const head = first.length >= sf.contentOffset ? first : readAt(fd, sf.contentOffset, 0);
    const tail = whole ? first.subarray(tailStart) : readAt(fd, st.size - tailStart, tailStart);
    const qf = parseSegments({
      path: file, id: path.basename(file), head, tail, fileSize: st.size, mtime: st.mtimeMs, complete,
    });
    if ((st.mode & 0o010) !== 0) qf.forceExpire = true;
    return qf;
  } finally {
    fs.closeSync(fd);
  }
}

/** readQueueFile - readQueueFileSync behind a Promise (callers may await either way). */
export async function readQueueFile(file: string, opts: ReadQueueFileOptions = {}): Promise<QueueFile> {
  return readQueueFileSync(file, opts);
}

/** Where a file's content is: what openContentStream needs from a QueueFile. */
export type ContentLocation = Pick<QueueFile, 'path' | 'contentOffset' | 'contentSize'>;

/**
 * openContentStream - the raw message (headers + body) as a stream of Buffers, read
 * in `highWaterMark` pieces (default 64 KiB): memory stays bounded for any size.
 */
export function openContentStream(loc: ContentLocation, opts: { highWaterMark?: number } = {}): Readable {
  const hwm = opts.highWaterMark ?? 64 * 1024;
  if (loc.contentSize <= hwm) {
    // Small content: one synchronous read beats a stream's open/read/read/close hops.
    const fd = fs.openSync(loc.path, 'r');
    try {
      const buf = readAt(fd, loc.contentSize, loc.contentOffset);
      if (buf.length !== loc.contentSize) throw new QueueFileError('corrupt', loc.path, 'message content truncated');
      return Readable.from(buf.length > 0 ? [buf] : [], { objectMode: false });
    } finally {
      fs.closeSync(fd);
    }
  }
  return fs.createReadStream(loc.path, {
    start: loc.contentOffset, end: loc.contentOffset + loc.contentSize - 1, highWaterMark: hwm,
  });
}
