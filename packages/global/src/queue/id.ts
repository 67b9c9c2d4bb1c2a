/*
 * queue/id - queue IDs: unique, short, safe in file names, sortable by arrival time.
 *
 * Postfix's "long queue ID" shape: 6 characters of seconds and 4 of microseconds in
 * base 52, the separator `z`, then a base-51 discriminator. Postfix uses the inode
 * number there (which costs a rename after creating the file); Mailroom uses the
 * process ID and keeps the (seconds, microseconds) pair strictly increasing within a
 * process, so two processes alive at the same time never produce the same ID and no
 * rename is needed. Writers still create files with O_EXCL as a last guard.
 * The alphabets have no vowels (no words in IDs) and sort in ASCII order, so IDs of
 * equal length sort by time. Used by the queue-file writer, the spool (hashing) and
 * by every command that takes a queue ID. Reads no parameters.
 */

/** Base-52 digits in ASCII order: 0-9, consonants upper then lower case. */
const B52 = '0123456789BCDFGHJKLMNPQRSTVWXYZbcdfghjklmnpqrstvwxyz';
/** Base 51 is base 52 without `z`, the separator. */
const B51 = B52.slice(0, 51);
const SEC_WIDTH = 6;
const USEC_WIDTH = 4;
const SEPARATOR = 'z';

const LONG_ID = /^[0-9B-DF-HJ-NP-TV-Zb-df-hj-np-tv-z]{10}z[0-9B-DF-HJ-NP-TV-Zb-df-hj-np-tv-y]+$/;

let lastSec = 0;
let lastUsec = -1;

function encode(value: number, alphabet: string, width: number): string {
  const base = alphabet.length;
  let out = '';
  do {
    out = alphabet[value % base] + out;
    value = Math.floor(value / base);
  } while (value > 0);
  return out.padStart(width, alphabet[0]);
}

function decode(text: string, alphabet: string): number {
  let value = 0;
  for (const ch of text) {
    const d = alphabet.indexOf(ch);
    if (d < 0) return NaN;
    value = value * alphabet.length + d;
  }
  return value;
}

/** newQueueId - a fresh queue ID for this process (time-ordered, see above). */
export function newQueueId(nowMs: number = performance.timeOrigin + performance.now()): string {
  let sec = Math.floor(nowMs / 1000);
  let usec = Math.floor((nowMs - sec * 1000) * 1000);
  // Strictly increasing within the process: never reuse a (sec, usec) pair, even when
  // the clock stands still or steps back.
  if (sec < lastSec || (sec === lastSec && usec <= lastUsec)) {
    sec = lastSec;
    usec = lastUsec + 1;
    if (usec >= 1_000_000) {
      sec += 1;
      usec = 0;
    }
  }
  lastSec = sec;
  lastUsec = usec;
  return encode(sec, B52, SEC_WIDTH) + encode(usec, B52, USEC_WIDTH) + SEPARATOR + encode(process.pid, B51, 1);
}

/** isQueueId - Postfix's mail_queue_id_ok(): 1..255 letters, digits or `_`. */
export function isQueueId(name: string): boolean {
  return name.length > 0 && name.length <= 255 && /^[A-Za-z0-9_]+$/.test(name);
}

/** isLongQueueId - true for IDs in the time-based form newQueueId() makes. */
export function isLongQueueId(name: string): boolean {
  return LONG_ID.test(name);
}

/** queueIdTime - arrival time (ms since the epoch) encoded in a long queue ID, else undefined. */
export function queueIdTime(id: string): number | undefined {
  if (!isLongQueueId(id)) return undefined;
  const sec = decode(id.slice(0, SEC_WIDTH), B52);
  const usec = decode(id.slice(SEC_WIDTH, SEC_WIDTH + USEC_WIDTH), B52);
  return sec * 1000 + usec / 1000;
}

/**
 * queueIdHashKey - the characters hashed subdirectories are named after. For long IDs
 * the microseconds as 5 hex digits (as Postfix), so directories are 0-9A-F; for any
 * other name (short IDs, flush logs) the name itself, as Postfix's dir_forest().
 */
export function queueIdHashKey(id: string): string {
  if (isLongQueueId(id)) {
    const usec = decode(id.slice(SEC_WIDTH, SEC_WIDTH + USEC_WIDTH), B52);
    return usec.toString(16).toUpperCase().padStart(5, '0');
  }
  return id;
}
