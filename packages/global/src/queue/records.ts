/*
 * queue/records - the record layer of queue files: typed, length-prefixed records.
 *
 * A record is one type byte, the payload length as a base-128 varint (low 7 bits
 * first, high bit = more bytes follow; Postfix's encoding), then the payload. Type
 * letters and their printable names are Postfix's (rec_type.h), so `postcat -d`
 * prints the numbers a Postfix administrator knows. Pure functions: used by the
 * queue-file writer, reader and postcat's dump. Reads no parameters.
 */

/** Record types (Postfix's letters). */
export const REC = {
  SIZE: 0x43, // C  sizes and offsets, fixed width, first record
  TIME: 0x54, // T  arrival time "sec usec"
  WARN: 0x57, // W  next delay-warning time, fixed width
  FULL: 0x46, // F  sender full name
  FROM: 0x53, // S  envelope sender ('' = null sender)
  ATTR: 0x41, // A  named attribute name=value
  DSN_ENVID: 0x69, // i  DSN ENVID
  DSN_RET: 0x3c, // <  DSN RET flags (decimal)
  DSN_ORCPT: 0x6f, // o  DSN ORCPT of the next recipient
  DSN_NOTIFY: 0x6e, // n  DSN NOTIFY flags of the next recipient (decimal)
  ORCP: 0x4f, // O  original recipient of the next recipient
  RCPT: 0x52, // R  recipient still to deliver
  DONE: 0x44, // D  recipient delivered (R overwritten in place)
  MESG: 0x4d, // M  start of message content (raw bytes follow)
  XTRA: 0x58, // X  start of the extracted segment
  END: 0x45, // E  end of file, required
  NORM: 0x4e, // N  regular text (only as postcat's type of a content line)
} as const;

const NAMES: Record<number, string> = {
  [REC.SIZE]: 'message_size',
  [REC.TIME]: 'message_arrival_time',
  [REC.WARN]: 'warning_message_time',
  [REC.FULL]: 'sender_fullname',
  [REC.FROM]: 'sender',
  [REC.ATTR]: 'named_attribute',
  [REC.DSN_ENVID]: 'dsn_envelope_id',
  [REC.DSN_RET]: 'dsn_return_flags',
  [REC.DSN_ORCPT]: 'dsn_original_recipient',
  [REC.DSN_NOTIFY]: 'dsn_notify_flags',
  [REC.ORCP]: 'original_recipient',
  [REC.RCPT]: 'recipient',
  [REC.DONE]: 'done_recipient',
  [REC.MESG]: 'message_content',
  [REC.XTRA]: 'extracted_info',
  [REC.END]: 'message_end',
  [REC.NORM]: 'regular_text',
};

/** recordTypeName - Postfix's printable name of a record type. */
export function recordTypeName(type: number): string {
  return NAMES[type] ?? 'unknown_record_type';
}

/** Width of each number in fixed-width records (SIZE, WARN), as Postfix's %15ld. */
export const FIXED_WIDTH = 15;

/** fixedNumbers - numbers right-aligned in 15 columns, space separated (updatable in place). */
export function fixedNumbers(values: readonly number[]): string {
  return values.map((v) => String(v).padStart(FIXED_WIDTH, ' ')).join(' ');
}

/** A record to encode: type and payload (strings are UTF-8). */
export type RecordSpec = readonly [type: number, payload: string | Buffer];

function varintLength(n: number): number {
  let len = 1;
  while (n > 0x7f) {
    n = Math.floor(n / 128);
    len++;
  }
  return len;
}

/** encodeRecords - all records in one Buffer (one allocation, one write). */
export function encodeRecords(records: readonly RecordSpec[]): Buffer {
  const payloads = records.map(([, p]) => (typeof p === 'string' ? Buffer.from(p, 'utf8') : p));
  let total = 0;
  for (const p of payloads) total += 1 + varintLength(p.length) + p.length;
  const out = Buffer.allocUnsafe(total);
  let pos = 0;
  records.forEach(([type], i) => {
    const p = payloads[i] as Buffer;
    out[pos++] = type;
    let n = p.length;
    while (n > 0x7f) {
      out[pos++] = (n & 0x7f) | 0x80;
      n = Math.floor(n / 128);
    }
    out[pos++] = n;
    pos += p.copy(out, pos);
  });
  return out;
}

/** One decoded record: where it starts, where its payload starts and where it ends. */
export interface RawRecord {
  type: number;
  offset: number;
  dataOffset: number;
  end: number;
}

/** Longest payload a record may claim (a guard against garbage lengths). */
const MAX_PAYLOAD = 1 << 30;

/** A record's header: type, payload length and the header's own length. */
export interface RecordHeader {
  type: number;
  length: number;
  headerLength: number;
}

/** decodeHeader - the header at `pos`: 'short' if buf ends inside it, 'bad' if malformed. */
export function decodeHeader(buf: Buffer, pos: number): RecordHeader | 'short' | 'bad' {
  if (pos >= buf.length) return 'short';
  let length = 0;
  let shift = 1;
  let p = pos + 1;
  for (let i = 0; ; i++) {
    if (p >= buf.length) return 'short';
    if (i >= 5) return 'bad';
    const b = buf[p++] as number;
    length += (b & 0x7f) * shift;
    shift *= 128;
    if ((b & 0x80) === 0) break;
  }
  if (length > MAX_PAYLOAD) return 'bad';
  return { type: buf[pos] as number, length, headerLength: p - pos };
}

/** Longest header: type byte and a 5-byte length. */
export const MAX_HEADER = 6;

/**
 * decodeRecord - the record starting at `pos` of `buf`; 'short' when the buffer ends
 * inside it, 'bad' when the length is malformed. `base` is the file offset of buf[0].
 */
export function decodeRecord(buf: Buffer, pos: number, base = 0): RawRecord | 'short' | 'bad' {
  const h = decodeHeader(buf, pos);
  if (typeof h !== 'object') return h;
  const data = pos + h.headerLength;
  if (data + h.length > buf.length) return 'short';
  return { type: h.type, offset: base + pos, dataOffset: base + data, end: base + data + h.length };
}

/** payloadOf - a record's payload as text (UTF-8). `base` as for decodeRecord. */
export function payloadOf(buf: Buffer, rec: RawRecord, base = 0): string {
  return buf.toString('utf8', rec.dataOffset - base, rec.end - base);
}
