/*
 * showq/report - what showq lists (Postfix's showq_service/showq_report): every message
 * in maildrop, active, incoming, deferred and hold, in that order (Postfix's), one
 * ShowqMessage each, built from the queue file's envelope and the message's defer log.
 * Read-only: a file that is incomplete, gone or corrupt is skipped (corrupt and
 * unreadable ones with a warning); moving corrupt files is qmgr's job, not a listing's.
 *
 * Recipients: first those of the defer log, each with its reason (the log describes the
 * last delivery attempt), then the queue file's undelivered recipients that the log did
 * not name (at most duplicate_filter_limit names are remembered, as Postfix). Addresses
 * are in external form, control characters replaced by `?`; the null sender reads
 * $empty_address_recipient. Memory: one message at a time, plus one directory listing.
 * Reads: empty_address_recipient, duplicate_filter_limit (and the Spool's parameters).
 */
import {
  externalForm, hasStatusLog, isQueueFileError, latestByRecipient, readQueueFileSync, readStatusLog,
  scanQueue, type Config, type Logger, type QueueName, type ShowqMessage, type ShowqRecipient, type Spool,
} from '@mailroom/global';

const errnoCodeOf = (err: unknown): string | undefined => (err as NodeJS.ErrnoException | null)?.code;

/** The queues showq lists, in Postfix's order. */
export const SHOWQ_QUEUES: readonly QueueName[] = ['maildrop', 'active', 'incoming', 'deferred', 'hold'];

export interface ReportSettings {
  /** empty_address_recipient: how the null sender is shown. */
  emptyAddress: string;
  /** duplicate_filter_limit: defer-log addresses remembered per message (0: no limit). */
  dupFilterLimit: number;
}

/** reportSettings - the parameters a listing reads. */
export function reportSettings(config: Config): ReportSettings {
  return { emptyAddress: config.get('empty_address_recipient'), dupFilterLimit: config.getInt('duplicate_filter_limit') };
}

/** printable - control characters become `?` (Postfix's printable()). */
export function printable(text: string): string {
  return text.replace(/[\x00-\x1f\x7f]/g, '?');
}

function shownAddress(address: string, settings: ReportSettings): string {
  return printable(externalForm(address === '' ? settings.emptyAddress : address));
}

/** recipientsOf - defer-log recipients with reasons, then the others still to deliver. */
function recipientsOf(spool: Spool, id: string, pending: readonly string[], settings: ReportSettings, log: Logger): ShowqRecipient[] {
  const out: ShowqRecipient[] = [];
  const seen = new Set<string>();
  if (hasStatusLog(spool, 'defer', id)) {
    let records: ReturnType<typeof readStatusLog> = [];
    try {
      records = latestByRecipient(readStatusLog(spool, 'defer', id));
    } catch (err) {
      log.warn(`${id}: read defer log: ${(err as Error).message}`);
    }
    for (const r of records) {
      const address = shownAddress(r.recipient, settings);
      if (settings.dupFilterLimit === 0 || seen.size < settings.dupFilterLimit) seen.add(address);
      out.push(r.reason ? { address, delay_reason: printable(r.reason) } : { address });
    }
  }
  for (const a of pending) {
    const address = shownAddress(a, settings);
    if (!seen.has(address)) out.push({ address });
  }
  return out;
}

/** reportMessage - one queue file as showq reports it; undefined when it is skipped. */
export function reportMessage(spool: Spool, queue: QueueName, id: string, settings: ReportSettings, log: Logger): ShowqMessage | undefined {
  try {
    const qf = readQueueFileSync(spool.path(queue, id)); // an incomplete file throws 'incomplete'
    const pending = qf.recipients.filter((r) => !r.done).map((r) => r.address);
    return {
      t: 'message',
      queue_name: queue,
      queue_id: id,
      arrival_time: Math.floor((qf.arrivalTime > 0 ? qf.arrivalTime : qf.mtime) / 1000),
      message_size: qf.contentSize,
      forced_expire: qf.forceExpire === true, // the group-execute bit (postsuper -e/-f)
      sender: shownAddress(qf.sender, settings),
      recipients: recipientsOf(spool, id, pending, settings, log),
    };
  } catch (err) {
    if (isQueueFileError(err, 'incomplete') || errnoCodeOf(err) === 'ENOENT') return undefined; // moved on meanwhile
    if (isQueueFileError(err)) log.warn(`${queue}/${id}: ${err.reason} -- skipping this file`);
    else log.warn(`open ${queue} ${id}: ${(err as Error).message}`);
    return undefined;
  }
}

/** queueReport - every listed message, queue by queue; a queue that cannot be read is warned about and skipped. */
export async function* queueReport(spool: Spool, settings: ReportSettings, log: Logger): AsyncGenerator<ShowqMessage> {
  for (const queue of SHOWQ_QUEUES) {
    try {
      for await (const id of scanQueue(spool, queue)) {
        const m = reportMessage(spool, queue, id, settings, log);
        if (m) yield m;
      }
    } catch (err) {
      log.warn(`scan ${queue}: ${(err as Error).message}`);
    }
  }
}
