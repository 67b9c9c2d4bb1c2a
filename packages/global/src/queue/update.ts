/*
 * queue/update - the only changes made to a committed queue file, all in place:
 * marking recipients done, the delay-warning time, and the retry time (mtime).
 *
 * Done-marking rule: a delivered recipient's record type byte is overwritten from
 * R to D with one positional write, then fdatasync, before the delivery is reported
 * as done; a crash at any moment re-delivers at most the recipients whose byte was
 * not yet durable. Retry rule (Postfix): a deferred file's mtime is its next retry
 * time, now + its age clamped to minimal_backoff_time..maximal_backoff_time.
 * Used by the delivery agents (done) and qmgr (retry, warnings). The backoff limits
 * are passed in by qmgr, which reads minimal_backoff_time and maximal_backoff_time.
 */
import fs from 'node:fs';
import { QueueFileError } from './errors.js';
import { SIZE_RECORD_LENGTH } from './format.js';
import { parseSizeRecord } from './parse.js';
import { fdatasyncFd, readAt } from './fsio.js';
import { fixedNumbers, REC } from './records.js';

const DONE_BYTE = Buffer.from([REC.DONE]);

/**
 * markRecipientDone - mark recipients (by QueueRecipient.offset) delivered, durably.
 * Already-done recipients are left alone; an offset that is not a recipient record
 * (including any offset inside the message content, whatever byte is there) throws
 * QueueFileError('corrupt') before anything is written.
 */
export async function markRecipientDone(file: string, offsets: number | readonly number[]): Promise<void> {
  const list = typeof offsets === 'number' ? [offsets] : offsets;
  const fd = fs.openSync(file, 'r+');
  try {
    const size = parseSizeRecord(readAt(fd, SIZE_RECORD_LENGTH, 0), file);
    const inContent = (off: number): boolean => off >= size.contentOffset && off < size.contentOffset + size.contentSize;
    const one = Buffer.alloc(1);
    const todo: number[] = [];
    for (const off of list) {
      if (off < SIZE_RECORD_LENGTH || inContent(off) || fs.readSync(fd, one, 0, 1, off) !== 1) throw new QueueFileError('corrupt', file, `no recipient record at offset ${off}`);
      if (one[0] === REC.RCPT) todo.push(off);
      else if (one[0] !== REC.DONE) throw new QueueFileError('corrupt', file, `no recipient record at offset ${off}`);
    }
    if (todo.length === 0) return;
    for (const off of todo) fs.writeSync(fd, DONE_BYTE, 0, 1, off);
    await fdatasyncFd(fd);
  } finally {
    fs.closeSync(fd);
  }
}

/** updateWarnTime - rewrite the W record (QueueFile.warnOffset) in place, durably. */
export async function updateWarnTime(file: string, warnOffset: number, epochSeconds: number): Promise<void> {
  const fd = fs.openSync(file, 'r+');
  try {
    fs.writeSync(fd, Buffer.from(fixedNumbers([Math.floor(epochSeconds)]), 'latin1'), 0, undefined, warnOffset);
    await fdatasyncFd(fd);
  } finally {
    fs.closeSync(fd);
  }
}

/** setNextRetry - store the next retry time (epoch seconds) as the file's mtime. */
export function setNextRetry(file: string, epochSeconds: number): void {
  fs.utimesSync(file, epochSeconds, epochSeconds);
}

/** nextRetryTime - the next retry time of a file (epoch seconds): its mtime. */
export function nextRetryTime(file: string | fs.Stats): number {
  const st = typeof file === 'string' ? fs.statSync(file) : file;
  return Math.floor(st.mtimeMs / 1000);
}

/** backoffRetryTime - Postfix's next retry: now + age, clamped to [minBackoff, maxBackoff] seconds. */
export function backoffRetryTime(arrivalMs: number, nowMs: number, minBackoff: number, maxBackoff: number): number {
  const now = Math.floor(nowMs / 1000);
  const age = now - Math.floor(arrivalMs / 1000);
  return now + Math.min(Math.max(age, minBackoff), maxBackoff);
}
