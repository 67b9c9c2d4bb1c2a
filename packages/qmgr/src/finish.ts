/*
 * qmgr/finish - the end of a message's delivery attempt (Postfix qmgr_active_done):
 *  1. recipients in the bounce/ log: ask bounce for the non-delivery notice, then
 *     delete the log (a notice that cannot be sent keeps the message for later);
 *  2. recipients in the trace/ log (NOTIFY=SUCCESS): the success notice, likewise;
 *  3. nothing left to deliver: delete the defer log and the queue file, log `removed`;
 *  4. some recipients deferred:
 *     - queued longer than maximal_queue_lifetime (bounce_queue_lifetime for null-
 *       sender mail): log `from=<...>, status=expired, returned to sender`, ask bounce
 *       for a failure notice quoting the deferral reasons (their 4.x.x codes kept), mark
 *       the recipients done and remove the message;
 *     - forced expiration (`postsuper -e`/`-f`, qmgr.ts expireNow): the same, logged
 *       as `status=force-expired`;
 *     - past its delay-warning time (the W record, written when delay_warning_time is
 *       set): a delay notice, once (the W record is then cleared);
 *     - otherwise set the next retry time as the file's mtime (now + time in queue,
 *       within minimal_backoff_time..maximal_backoff_time) and move it to deferred/.
 * Every step leaves the spool consistent if qmgr dies right after it.
 */
import fs from 'node:fs';
import {
  backoffRetryTime, hasStatusLog, latestByRecipient, markRecipientDone, moveQueueFile, readQueueFileSync,
  readStatusLog, removeStatusLog, setNextRetry, updateWarnTime, type Spool, type StatusLogName, type StatusRecord,
} from '@mailroom/global';
import type { Message } from './message.js';
import type { Notifier, NoticeKind } from './notify.js';
import { NOTIFY_SUCCESS } from './results.js';
import type { QmgrSettings } from './settings.js';

const gone = (err: unknown): boolean => (err as NodeJS.ErrnoException).code === 'ENOENT';

/** unlink - unlink(2) on the thread pool (fs.promises adds a FileHandle layer's cost). */
const unlink = (file: string): Promise<void> => new Promise((resolve, reject) => fs.unlink(file, (err) => (err ? reject(err) : resolve())));

export interface FinishContext {
  spool: Spool;
  settings: QmgrSettings;
  notifier: Notifier;
}

/** finishMessage - run the end of the attempt; never throws. */
export async function finishMessage(ctx: FinishContext, m: Message): Promise<void> {
  try {
    await finish(ctx, m);
  } catch (err) {
    m.log.error(`${m.id}: ${(err as Error).stack ?? String(err)}`);
    // Leave nothing stranded in active/: retry after the minimal backoff.
    await deferMessage(ctx, m, Date.now()).catch((e: Error) => m.log.warn(`${m.id}: ${e.message}`));
  }
}

async function finish(ctx: FinishContext, m: Message): Promise<void> {
  const now = Date.now();
  let keep = m.deferred;
  if ((m.bounced > 0 || m.history) && !(await flushLog(ctx, m, 'bounce', 'failure', m.bounced > 0))) keep = true;
  const traced = m.traced > 0 || (m.history && m.file.recipients.some((r) => ((r.notify ?? 0) & NOTIFY_SUCCESS) !== 0));
  if (traced && !(await flushLog(ctx, m, 'trace', 'success', m.traced > 0))) keep = true;
  if (!keep) return removeMessage(ctx, m);
  if (m.deferred) {
    const s = ctx.settings;
    if (m.forceExpired || now / 1000 >= m.createTime() + m.lifetime(s.maxQueueLifetime, s.bounceQueueLifetime)) {
      m.log.info(`${m.id}: from=<${m.file.sender}>, status=${m.forceExpired ? 'force-expired' : 'expired'}, returned to sender`);
      const recs = stillDeferred(m).map((r) => ({ ...r, action: 'failed' as const }));
      if (await ctx.notifier.notify('failure', m, recs)) {
        const offsets = recs.flatMap((r) => (r.offset !== undefined ? [r.offset] : []));
        if (offsets.length > 0) await markRecipientDone(m.path, offsets);
        return removeMessage(ctx, m);
      }
    } else if (m.file.warnTime !== undefined && m.file.warnTime > 0 && m.file.warnOffset !== undefined && now / 1000 >= m.file.warnTime - 1) {
      if (await ctx.notifier.notify('delay', m, stillDeferred(m))) await updateWarnTime(m.path, m.file.warnOffset, 0);
    }
  }
  return deferMessage(ctx, m, now);
}

/** flushLog - send the notice of a bounce or trace log, then delete it; false if it must wait. */
async function flushLog(ctx: FinishContext, m: Message, log: StatusLogName, kind: NoticeKind, known: boolean): Promise<boolean> {
  if (!known && !hasStatusLog(ctx.spool, log, m.id)) return true;
  const recs = latestByRecipient(readStatusLog(ctx.spool, log, m.id));
  if (!(await ctx.notifier.notify(kind, m, recs))) return false;
  removeStatusLog(ctx.spool, log, m.id);
  return true;
}

/** stillDeferred - this attempt's deferral records of recipients the file still has undelivered. */
function stillDeferred(m: Message): StatusRecord[] {
  let open: Set<number>;
  try {
    open = new Set(readQueueFileSync(m.path).recipients.filter((r) => !r.done).map((r) => r.offset));
  } catch {
    open = new Set(m.pending().map((r) => r.offset));
  }
  return latestByRecipient(m.delays).filter((r) => r.offset === undefined || open.has(r.offset));
}

/** removeMessage - delete the defer log, then the queue file (a crash between leaves a file with nothing to do). */
async function removeMessage(ctx: FinishContext, m: Message): Promise<void> {
  if (m.history || m.delays.length > 0) removeStatusLog(ctx.spool, 'defer', m.id);
  try {
    await unlink(m.path);
    m.log.info(`${m.id}: removed`);
  } catch (err) {
    if (!gone(err)) throw err;
    m.log.warn(`${m.id}: remove active ${m.id}: ${(err as Error).message}`);
  }
}

/** deferMessage - next retry time as mtime, then into deferred/. */
async function deferMessage(ctx: FinishContext, m: Message, now: number): Promise<void> {
  const s = ctx.settings;
  try {
    setNextRetry(m.path, backoffRetryTime(m.createTime() * 1000, now, s.minBackoff, s.maxBackoff));
    await moveQueueFile(ctx.spool, m.id, 'active', 'deferred', { sync: false });
  } catch (err) {
    if (!gone(err)) throw err;
    m.log.warn(`${m.id}: move active ${m.id} to deferred: ${(err as Error).message}`);
  }
}
