/*
 * queue/parse - validate and decode a queue file's envelope and extracted segments
 * (the layout is in queue/format and docs/queue-file.md). Any inconsistency throws
 * QueueFileError('corrupt'); nothing else is thrown, whatever the bytes. Pure
 * functions over Buffers; used by queue/reader and queue/update. Reads no parameters.
 */
import { QueueFileError } from './errors.js';
import { SIZE_FIELDS, SIZE_RECORD_LENGTH, type QueueFile, type QueueRecipient, type SizeFields } from './format.js';
import { decodeRecord, payloadOf, REC, type RawRecord } from './records.js';

/** parseSizeRecord - C record fields from the start of a file; throws corrupt. */
export function parseSizeRecord(head: Buffer, path: string): SizeFields {
  const rec = decodeRecord(head, 0);
  if (typeof rec !== 'object' || rec.type !== REC.SIZE) throw new QueueFileError('corrupt', path, 'no size record at start of file');
  const nums = payloadOf(head, rec).trim().split(/ +/).map(Number);
  if (rec.end !== SIZE_RECORD_LENGTH || nums.length !== SIZE_FIELDS || nums.some((n) => !Number.isSafeInteger(n) || n < 0))
    throw new QueueFileError('corrupt', path, 'invalid size record');
  const [contentSize, contentOffset, recipientCount, flags, , utf8] = nums as [number, number, number, number, number, number];
  return { contentSize, contentOffset, recipientCount, flags, smtputf8: utf8 === 1 };
}

/** The envelope and extracted segments of a file, with the file facts parsing needs. */
export interface SegmentInput {
  path: string;
  id: string;
  /** Bytes [0, contentOffset). */
  head: Buffer;
  /** Bytes [contentOffset + contentSize, fileSize). */
  tail: Buffer;
  fileSize: number;
  mtime: number;
  complete: boolean;
}

/** Record types that belong to a recipient group (attributes, then R or D). */
const RECIPIENT_TYPES: ReadonlySet<number> = new Set([REC.RCPT, REC.DONE, REC.ORCP, REC.DSN_ORCPT, REC.DSN_NOTIFY]);

/** parseSegments - the QueueFile in `input`; throws QueueFileError('corrupt') on any inconsistency. */
export function parseSegments(input: SegmentInput): QueueFile {
  const { path, head, tail } = input;
  const bad = (reason: string): never => {
    throw new QueueFileError('corrupt', path, reason);
  };
  const size = parseSizeRecord(head, path);
  const qf: QueueFile = {
    path, id: input.id, sender: '', arrivalTime: 0, attributes: Object.create(null) as Record<string, string>,
    flags: size.flags, smtputf8: size.smtputf8, recipients: [], contentOffset: size.contentOffset,
    contentSize: size.contentSize, fileSize: input.fileSize, mtime: input.mtime, complete: input.complete,
  };
  let haveTime = false;
  let haveSender = false;
  let pending: Partial<QueueRecipient> | undefined;
  const tailBase = size.contentOffset + size.contentSize;

  // One walker for both segments; `inEnvelope` selects which records are allowed.
  const walk = (buf: Buffer, base: number, start: number, inEnvelope: boolean): RawRecord => {
    let pos = start;
    for (;;) {
      const rec = decodeRecord(buf, pos, base);
      if (rec === 'short') return bad(inEnvelope ? 'envelope truncated before message content' : 'premature end of file');
      if (rec === 'bad') return bad(`bad record length at offset ${base + pos}`);
      pos = rec.end - base;
      const text = (): string => payloadOf(buf, rec, base);
      if (pending && !RECIPIENT_TYPES.has(rec.type)) bad(`recipient attributes without recipient at offset ${rec.offset}`);
      switch (rec.type) {
        case REC.RCPT:
        case REC.DONE: {
          const address = text();
          qf.recipients.push({ ...pending, address, original: pending?.original ?? address, done: rec.type === REC.DONE, offset: rec.offset });
          pending = undefined;
          break;
        }
        case REC.ORCP:
          (pending ??= {}).original = text();
          break;
        case REC.DSN_ORCPT:
          (pending ??= {}).orcpt = text();
          break;
        case REC.DSN_NOTIFY:
          (pending ??= {}).notify = Number(text());
          break;
        case REC.ATTR: {
          const t = text();
          const eq = t.indexOf('=');
          if (eq <= 0) bad(`malformed attribute at offset ${rec.offset}`);
          if (t.startsWith('create_time=')) qf.createTime = Number(t.slice(eq + 1));
          else qf.attributes[t.slice(0, eq)] = t.slice(eq + 1);
          break;
        }
        case REC.MESG:
        case REC.END:
          return rec;
        default:
          if (!inEnvelope) bad(`unexpected record type ${rec.type} in extracted segment`);
          envelopeRecord(rec.type, text(), rec);
      }
    }
  };
  const envelopeRecord = (type: number, text: string, rec: RawRecord): void => {
    switch (type) {
      case REC.TIME: {
        const [s, us] = text.split(' ').map(Number);
        if (haveTime || !Number.isFinite(s) || !Number.isFinite(us)) bad('bad or repeated arrival time record');
        qf.arrivalTime = (s as number) * 1000 + Math.floor((us as number) / 1000);
        haveTime = true;
        break;
      }
      case REC.FROM:
        if (haveSender) bad('repeated sender record');
        qf.sender = text;
        haveSender = true;
        break;
      case REC.FULL:
        qf.senderFullname = text;
        break;
      case REC.DSN_ENVID:
        qf.envid = text;
        break;
      case REC.DSN_RET:
        qf.ret = Number(text);
        break;
      case REC.WARN:
        qf.warnTime = Number(text.trim());
        qf.warnOffset = rec.dataOffset;
        break;
      default:
        bad(`unexpected record type ${type} in envelope`);
    }
  };

  if (size.contentOffset < SIZE_RECORD_LENGTH || tailBase + 4 > input.fileSize) bad('size record does not match file size');
  if (head.length < size.contentOffset) bad('envelope truncated before message content');
  const mesg = walk(head.subarray(0, size.contentOffset), 0, SIZE_RECORD_LENGTH, true);
  if (mesg.type !== REC.MESG || mesg.end !== size.contentOffset) bad('envelope records out of order');
  if (!haveTime || !haveSender) bad('missing arrival time or sender record');
  if (tail[0] !== REC.XTRA) bad('no extracted segment after message content');
  const xtra = decodeRecord(tail, 0, tailBase);
  if (typeof xtra !== 'object') return bad('bad extracted segment marker');
  const end = walk(tail, tailBase, xtra.end - tailBase, false);
  if (end.type !== REC.END) bad('message content marker in extracted segment');
  if (end.end !== input.fileSize) bad('data after end of file record');
  if (qf.recipients.length !== size.recipientCount) bad('recipient count does not match size record');
  return qf;
}
