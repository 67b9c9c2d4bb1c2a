/*
 * queue/format - the queue file's record layout and the envelope types: what the
 * writer emits (queue/parse accepts the same). Layout (docs/queue-file.md has it
 * byte by byte):
 *
 *   C size record (fixed width, patched at commit)   envelope segment
 *   T W? A(create_time) F? S i? <? A*  (o? n? O? R)*
 *   M, then the raw message content (headers + body)
 *   X  (A | o? n? O? R)*                             extracted segment
 *   E
 *
 * Pure functions; used by queue/writer, queue/parse, queue/update and queue/dump.
 */
import { encodeRecords, FIXED_WIDTH, fixedNumbers, REC, type RecordSpec } from './records.js';

/** A recipient as the writer takes it. */
export interface QueueRecipientSpec {
  /** Recipient address (internal form). */
  address: string;
  /** Address before alias/canonical rewriting (record O); default: same as address. */
  original?: string;
  /** DSN ORCPT as received, e.g. `rfc822;user@example.com` (record o). */
  orcpt?: string;
  /** DSN NOTIFY bit mask, Postfix's values: NEVER 1, SUCCESS 2, DELAY 4, FAILURE 8 (record n). */
  notify?: number;
}

/** A recipient as read back. */
export interface QueueRecipient {
  address: string;
  original: string;
  orcpt?: string;
  notify?: number;
  /** Delivered (its type byte reads D). */
  done: boolean;
  /** File offset of the recipient's type byte: give it to markRecipientDone(). */
  offset: number;
}

/** The envelope as the writer takes it. */
export interface QueueEnvelopeSpec {
  /** Envelope sender; '' is the null sender. */
  sender: string;
  /** Arrival time, ms since the epoch; default: now. */
  arrivalTime?: number;
  /** Queue file creation time, epoch seconds; default: when content starts. */
  createTime?: number;
  senderFullname?: string;
  /** Client and other attributes, written as `name=value` records in this order. */
  attributes?: Record<string, string>;
  /** DSN ENVID. */
  envid?: string;
  /** DSN RET: Postfix's values, FULL 1, HDRS 2. */
  ret?: number;
  /** Message flags (bit mask, kept in the size record; Mailroom-defined). */
  flags?: number;
  /** The message needs SMTPUTF8. */
  smtputf8?: boolean;
  /** First delay-warning time (epoch seconds); adds an updatable W record. */
  warnTime?: number;
}

/** A queue file as read back: envelope, recipients and where the content is. */
export interface QueueFile {
  path: string;
  /** Queue ID (the file's base name). */
  id: string;
  sender: string;
  senderFullname?: string;
  arrivalTime: number;
  /** When the queue file was created, epoch seconds. */
  createTime?: number;
  attributes: Record<string, string>;
  envid?: string;
  ret?: number;
  flags: number;
  smtputf8: boolean;
  warnTime?: number;
  /** Offset of the W record's payload, for updateWarnTime(). */
  warnOffset?: number;
  recipients: QueueRecipient[];
  /** Offset and length of the raw message content. */
  contentOffset: number;
  contentSize: number;
  fileSize: number;
  /** File mtime, ms: for deferred files, the next retry time. */
  mtime: number;
  /** The owner-execute bit was set. */
  complete: boolean;
  /** The group-execute bit was set: `postsuper -e`/`-f` asked for forced expiration (Postfix 3.5). */
  forceExpire?: boolean;
}

/** Payload length of the size record: six fixed-width numbers. */
export const SIZE_FIELDS = 6;
export const SIZE_PAYLOAD = SIZE_FIELDS * (FIXED_WIDTH + 1) - 1;

export interface SizeFields {
  contentSize: number;
  contentOffset: number;
  recipientCount: number;
  flags: number;
  smtputf8: boolean;
}

/** sizePayload - the size record's payload (the same length whatever the values). */
export function sizePayload(f: SizeFields): string {
  // Field 5 repeats the content size where Postfix keeps the message length; our
  // content is stored raw, so the two are equal.
  return fixedNumbers([f.contentSize, f.contentOffset, f.recipientCount, f.flags, f.contentSize, f.smtputf8 ? 1 : 0]);
}

/** headRecords - the envelope records after C, before the recipients. */
export function headRecords(env: QueueEnvelopeSpec, createTimeSec: number): RecordSpec[] {
  const at = env.arrivalTime ?? Date.now();
  const sec = Math.floor(at / 1000);
  const recs: RecordSpec[] = [[REC.TIME, `${sec} ${Math.round((at - sec * 1000) * 1000)}`]];
  if (env.warnTime !== undefined) recs.push([REC.WARN, fixedNumbers([env.warnTime])]);
  recs.push([REC.ATTR, `create_time=${env.createTime ?? createTimeSec}`]);
  if (env.senderFullname !== undefined) recs.push([REC.FULL, env.senderFullname]);
  recs.push([REC.FROM, env.sender]);
  if (env.envid !== undefined) recs.push([REC.DSN_ENVID, env.envid]);
  if (env.ret !== undefined) recs.push([REC.DSN_RET, String(env.ret)]);
  for (const [name, value] of Object.entries(env.attributes ?? {})) recs.push([REC.ATTR, `${name}=${value}`]);
  return recs;
}

/** recipientRecords - one recipient's records; its R record comes last. */
export function recipientRecords(r: QueueRecipientSpec): RecordSpec[] {
  const recs: RecordSpec[] = [];
  if (r.orcpt !== undefined) recs.push([REC.DSN_ORCPT, r.orcpt]);
  if (r.notify !== undefined) recs.push([REC.DSN_NOTIFY, String(r.notify)]);
  if (r.original !== undefined && r.original !== r.address) recs.push([REC.ORCP, r.original]);
  recs.push([REC.RCPT, r.address]);
  return recs;
}

/** sizeRecord - the encoded C record. */
export function sizeRecord(f: SizeFields): Buffer {
  return encodeRecords([[REC.SIZE, sizePayload(f)]]);
}

/** Byte length of the encoded C record (fixed). */
export const SIZE_RECORD_LENGTH = sizeRecord({ contentSize: 0, contentOffset: 0, recipientCount: 0, flags: 0, smtputf8: false }).length;
