/*
 * queue/statuslog - the per-message delivery status logs under $queue_directory:
 *   defer/   why recipients were deferred (postqueue -p shows the reasons; expiry
 *            and delay notices quote them),
 *   bounce/  recipients that bounced, until the non-delivery notice is queued,
 *   trace/   recipients with NOTIFY=SUCCESS that were delivered, until the success
 *            notice is queued.
 * One file per queue ID (hashed like the queue when hash_queue_names says so), one
 * record per recipient status: `name=value` lines ended by an empty line, as
 * Postfix's logs, so a record is never split by a partial read of a later one.
 * Values are kept on one line (control characters become spaces).
 * Writers: qmgr (appendStatus; the bounce log is fsynced before recipients are
 * marked done). Readers: qmgr, bounce, postqueue. Reads no parameters.
 */
import fs from 'node:fs';
import { ensureParentDir } from './create.js';
import { errnoCode } from './errors.js';
import { fdatasyncFd, openAsync, writeAll } from './fsio.js';
import type { Spool } from './spool.js';

/** The three status logs. */
export type StatusLogName = 'defer' | 'bounce' | 'trace';

/** DSN Action of a status record (RFC 3464). */
export type StatusAction = 'failed' | 'delayed' | 'delivered' | 'relayed' | 'expanded';

/** One recipient's status. */
export interface StatusRecord {
  /** Recipient as delivered to (internal form). */
  recipient: string;
  /** Recipient as originally received. */
  original: string;
  orcpt?: string;
  /** DSN NOTIFY mask (NEVER 1, SUCCESS 2, DELAY 4, FAILURE 8). */
  notify?: number;
  /** Offset of the recipient record in the queue file. */
  offset?: number;
  /** Enhanced status code, e.g. 4.4.1. */
  dsn: string;
  action: StatusAction;
  reason: string;
  relay?: string;
  /** DSN Remote-MTA, e.g. `dns; mx.example.net`. */
  remoteMta?: string;
  /** When the status was recorded, ms since the epoch. */
  time: number;
}

const ACTIONS: readonly string[] = ['failed', 'delayed', 'delivered', 'relayed', 'expanded'];

/** Field names in the file, in the order written. */
const FIELDS = [
  ['recipient', 'recipient'], ['original', 'original'], ['orcpt', 'orcpt'], ['notify', 'notify'],
  ['offset', 'offset'], ['dsn', 'dsn'], ['action', 'action'], ['reason', 'reason'], ['relay', 'relay'],
  ['remoteMta', 'remote_mta'], ['time', 'time'],
] as const;

const oneLine = (v: string): string => v.replace(/[\x00-\x1f\x7f]+/g, ' ');

/** formatStatusRecords - records as the log's bytes. */
export function formatStatusRecords(records: readonly StatusRecord[]): Buffer {
  let text = '';
  for (const r of records) {
    for (const [key, name] of FIELDS) {
      const v = r[key];
      if (v !== undefined) text += `${name}=${oneLine(String(v))}\n`;
    }
    text += '\n';
  }
  return Buffer.from(text, 'utf8');
}

function toRecord(fields: Map<string, string>): StatusRecord | undefined {
  const recipient = fields.get('recipient');
  const dsn = fields.get('dsn');
  const action = fields.get('action');
  if (recipient === undefined || dsn === undefined || action === undefined || !ACTIONS.includes(action)) return undefined;
  const num = (name: string): number | undefined => {
    const v = fields.get(name);
    return v !== undefined && /^\d+$/.test(v) ? Number(v) : undefined;
  };
  const rec: StatusRecord = {
    recipient, original: fields.get('original') ?? recipient, dsn, action: action as StatusAction,
    reason: fields.get('reason') ?? '', time: num('time') ?? 0,
  };
  const orcpt = fields.get('orcpt');
  if (orcpt !== undefined) rec.orcpt = orcpt;
  const notify = num('notify');
  if (notify !== undefined) rec.notify = notify;
  const offset = num('offset');
  if (offset !== undefined) rec.offset = offset;
  const relay = fields.get('relay');
  if (relay !== undefined) rec.relay = relay;
  const mta = fields.get('remote_mta');
  if (mta !== undefined) rec.remoteMta = mta;
  return rec;
}

/** parseStatusLog - the complete records of a log's text; a torn last record is dropped. */
export function parseStatusLog(text: string): StatusRecord[] {
  const out: StatusRecord[] = [];
  let fields = new Map<string, string>();
  const lines = text.split('\n');
  lines.pop(); // text after the last newline is an unfinished line
  for (const line of lines) {
    if (line === '') {
      const rec = fields.size > 0 ? toRecord(fields) : undefined;
      if (rec) out.push(rec);
      fields = new Map();
      continue;
    }
    const eq = line.indexOf('=');
    if (eq > 0) fields.set(line.slice(0, eq), line.slice(eq + 1));
  }
  return out;
}

/** statusLogPath - where the log of a message is. */
export function statusLogPath(spool: Spool, log: StatusLogName, id: string): string {
  return spool.path(log, id);
}

/**
 * appendStatus - append records to a message's log in one write; `sync` makes them
 * durable before it resolves (the bounce log, before recipients are marked done).
 */
export async function appendStatus(spool: Spool, log: StatusLogName, id: string, records: readonly StatusRecord[], opts: { sync?: boolean } = {}): Promise<void> {
  if (records.length === 0) return;
  const file = statusLogPath(spool, log, id);
  const flags = fs.constants.O_WRONLY | fs.constants.O_APPEND | fs.constants.O_CREAT;
  let fd: number;
  try {
    fd = await openAsync(file, flags, 0o600);
  } catch (err) {
    if (errnoCode(err) !== 'ENOENT') throw err;
    ensureParentDir(file);
    fd = await openAsync(file, flags, 0o600);
  }
  try {
    await writeAll(fd, [formatStatusRecords(records)]);
    if (opts.sync) await fdatasyncFd(fd);
  } finally {
    fs.closeSync(fd);
  }
}

/** readStatusLog - the records of a message's log ([] when there is none). */
export function readStatusLog(spool: Spool, log: StatusLogName, id: string): StatusRecord[] {
  try {
    return parseStatusLog(fs.readFileSync(statusLogPath(spool, log, id), 'utf8'));
  } catch (err) {
    if (errnoCode(err) === 'ENOENT') return [];
    throw err;
  }
}

/** hasStatusLog - does the message have a non-empty log of this kind? */
export function hasStatusLog(spool: Spool, log: StatusLogName, id: string): boolean {
  const st = fs.statSync(statusLogPath(spool, log, id), { throwIfNoEntry: false });
  return st !== undefined && st.size > 0;
}

/** removeStatusLog - delete a message's log; false when there was none. */
export function removeStatusLog(spool: Spool, log: StatusLogName, id: string): boolean {
  try {
    fs.unlinkSync(statusLogPath(spool, log, id));
    return true;
  } catch (err) {
    if (errnoCode(err) === 'ENOENT') return false;
    throw err;
  }
}

/** latestByRecipient - the last record of each recipient (a log may repeat one after a crash). */
export function latestByRecipient(records: readonly StatusRecord[]): StatusRecord[] {
  const map = new Map<string, StatusRecord>();
  for (const r of records) {
    const key = r.offset !== undefined ? `@${r.offset}` : `${r.recipient}\0${r.original}`;
    map.delete(key);
    map.set(key, r);
  }
  return [...map.values()];
}
