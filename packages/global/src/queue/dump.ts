/*
 * queue/dump - postcat's view of a queue file, in Postfix's layout:
 *
 *   *** ENVELOPE RECORDS deferred/A/ID ***
 *   message_size: ...   message_arrival_time: <ctime>   create_time: <ctime>
 *   sender: ...   named_attribute: name=value   recipient: ...   done_recipient: ...
 *   *** MESSAGE CONTENTS deferred/A/ID ***
 *   <headers and body>
 *   *** HEADER EXTRACTED deferred/A/ID ***
 *   *** MESSAGE FILE END deferred/A/ID ***
 *
 * Records are shown in file order and the file is not validated beyond what
 * printing needs, so postcat can look at incomplete and damaged files. Times are
 * local time in asctime() form. Used by packages/cli postcat. Reads no parameters.
 */
import fs from 'node:fs';
import { asctime } from '../dates.js';
import { dumpContent, linePrefix, type DumpFlags, type DumpSink, type DumpSource } from './dump-content.js';
import { SIZE_FIELDS } from './format.js';
import { readAt } from './fsio.js';
import { decodeHeader, MAX_HEADER, REC, recordTypeName } from './records.js';

export type { DumpFlags, DumpSink, DumpSource } from './dump-content.js';

/** A record that cannot be read: postcat reports it and stops (Postfix: "record read error"). */
export class DumpError extends Error {}

/** Types a queue file may start with (Postfix checks the first byte the same way). */
const ENVELOPE_TYPES = new Set<number>([REC.SIZE, REC.TIME, REC.WARN, REC.FULL, REC.FROM, REC.ATTR, REC.DSN_ENVID,
  REC.DSN_RET, REC.DSN_ORCPT, REC.DSN_NOTIFY, REC.ORCP, REC.RCPT, REC.DONE, REC.MESG]);



/** fileSource - a DumpSource over an open file descriptor. */
export function fileSource(fd: number): DumpSource {
  return { size: fs.fstatSync(fd).size, read: (pos, len) => readAt(fd, len, pos) };
}

/** bufferSource - a DumpSource over bytes in memory (standard input). */
export function bufferSource(buf: Buffer): DumpSource {
  return { size: buf.length, read: (pos, len) => buf.subarray(pos, pos + len) };
}

/** timeText - asctime of a decimal time, or the text itself when it is not one. */
function timeText(text: string): string {
  const t = Number(text.trim().split(' ')[0]);
  return Number.isFinite(t) && text.trim() !== '' ? asctime(t) : text;
}

/** recordLine - one envelope record as postcat prints it (without prefix). */
function recordLine(type: number, text: string): string {
  switch (type) {
    case REC.TIME:
    case REC.WARN:
      return `${recordTypeName(type)}: ${timeText(text)}`;
    case REC.ATTR:
      if (text.startsWith('create_time=')) return `create_time: ${timeText(text.slice(12))}`;
      return `${recordTypeName(type)}: ${text}`;
    default:
      return `${recordTypeName(type)}: ${text}`;
  }
}

/** parseSizes - content size and offset from a size record's text. */
function parseSizes(text: string): [number, number] | undefined {
  const nums = text.trim().split(/ +/).map(Number);
  return nums.length === SIZE_FIELDS && (nums[1] ?? 0) > 0 ? [nums[0] ?? 0, nums[1] ?? 0] : undefined;
}

/** sizeFields - the sizes of the size record at offset 0, if there is one. */
function sizeFields(src: DumpSource): [number, number] | undefined {
  const hb = src.read(0, MAX_HEADER);
  const h = decodeHeader(hb, 0);
  if (typeof h !== 'object' || h.type !== REC.SIZE) return undefined;
  return parseSizes(src.read(h.headerLength, h.length).toString('utf8'));
}

/**
 * dumpQueueFile - print one queue file as postcat does; `name` is the path shown in
 * the markers. Returns a warning text instead of printing when the input is not a
 * queue file at all; throws DumpError after printing what it could of a damaged one.
 */
export function dumpQueueFile(src: DumpSource, name: string, flags: DumpFlags, out: DumpSink): string | undefined {
  const first = src.read(0, 1);
  if (first.length > 0 && !ENVELOPE_TYPES.has(first[0] as number)) return `${name}: input is not a valid queue file`;
  const marker = (offset: number, type: number, text: string): void => {
    if (flags.envelope) out(`${linePrefix(flags, offset, type)}*** ${text} ${name} ***\n`);
  };
  if (flags.envelope) out(`*** ENVELOPE RECORDS ${name} ***\n`);
  let contentOffset = 0;
  let contentSize = -1;
  let pos = 0;
  if (flags.start !== undefined && flags.start > 0) {
    // Skipping ahead (-s): the size record still says where the content ends.
    const sizes = sizeFields(src);
    if (sizes) [contentSize, contentOffset] = sizes;
    pos = flags.start;
  }
  for (;;) {
    const hb = src.read(pos, MAX_HEADER);
    if (hb.length === 0) return undefined; // end of input: stop quietly, as Postfix
    const h = decodeHeader(hb, 0);
    if (h === 'bad') throw new DumpError(`${name}: bad record length at offset ${pos}`);
    const dataAt = pos + (h === 'short' ? hb.length : h.headerLength);
    if (h === 'short' || dataAt + h.length > src.size)
      throw new DumpError(`${name}: unexpected EOF in data, record type ${hb[0]} at offset ${pos}`);
    const text = src.read(dataAt, h.length).toString('utf8');
    const next = dataAt + h.length;
    if (h.type === REC.SIZE) {
      const sizes = parseSizes(text);
      if (sizes) [contentSize, contentOffset] = sizes;
    }
    if (h.type === REC.MESG) {
      marker(pos, h.type, 'MESSAGE CONTENTS');
      // An uncommitted file has no sizes yet: show everything after M as content.
      const size = contentSize >= 0 && contentOffset === next ? contentSize : src.size - next;
      if (flags.header || flags.body) dumpContent(src, next, size, flags, out);
      if (!flags.envelope) return undefined;
      pos = next + size;
      continue;
    }
    if (h.type === REC.XTRA) {
      marker(pos, h.type, 'HEADER EXTRACTED');
      if (!flags.envelope) return undefined;
    } else if (h.type === REC.END) {
      marker(pos, h.type, 'MESSAGE FILE END');
      return undefined;
    } else if (flags.envelope) {
      out(`${linePrefix(flags, pos, h.type)}${recordLine(h.type, text)}\n`);
    }
    pos = next;
  }
}
