/*
 * qmgr/results - record the per-recipient results of one delivery attempt, from an
 * agent's reply or made by qmgr itself (transport unavailable, dead destination,
 * resolver failure, defer_transports, the error transport):
 *   sent      the agent has already marked the recipient done; NOTIFY=SUCCESS
 *             recipients go to the trace/ log for the success notice;
 *   deferred  appended to the defer/ log (postqueue shows it; notices quote it);
 *   bounced   appended to the bounce/ log, fsynced, and only then marked done in the
 *             queue file, so a crash in between at worst bounces twice, never loses.
 * Results qmgr made are also logged (`to=<...>, relay=none, ... status=deferred (...)`),
 * as an agent logs its own. When a message has no recipient left waiting or in
 * flight, the attempt is over and `finish` is called.
 */
import {
  appendStatus, markRecipientDone, statusLine, type DeliverRecipient, type DeliverResult, type Spool, type StatusAction, type StatusRecord,
} from '@mailroom/global';
import type { Message, Routed } from './message.js';

/** DSN NOTIFY=SUCCESS bit. */
export const NOTIFY_SUCCESS = 2;

export interface RecordContext {
  spool: Spool;
  /** The message's attempt is over. */
  finish(m: Message): void;
}

/** statusRecord - one result as a status log record. */
export function statusRecord(routed: Routed, r: DeliverResult, action: StatusAction, now: number): StatusRecord {
  const rec: StatusRecord = {
    recipient: routed.address, original: routed.rcpt.original, offset: routed.rcpt.offset,
    dsn: r.dsn, action, reason: r.reason, relay: r.relay, time: now,
  };
  if (routed.rcpt.orcpt !== undefined) rec.orcpt = routed.rcpt.orcpt;
  if (routed.rcpt.notify !== undefined) rec.notify = routed.rcpt.notify;
  if (r.remoteMta !== undefined) rec.remoteMta = r.remoteMta;
  return rec;
}

/** qmgrResults - the same status for every recipient (qmgr-made). */
export function qmgrResults(routed: readonly Routed[], status: DeliverResult['status'], dsn: string, reason: string): DeliverResult[] {
  return routed.map((r) => ({ offset: r.rcpt.offset, status, dsn, reason, relay: 'none' }));
}

/**
 * recordResults - write the logs of one attempt's results and count the recipients
 * off. Never throws: a log that cannot be written turns a bounce into a deferral.
 */
export async function recordResults(
  ctx: RecordContext, m: Message, transport: string, nexthop: string,
  routed: readonly Routed[], results: readonly DeliverResult[], qmgrMade: boolean,
): Promise<void> {
  const now = Date.now();
  const byOffset = new Map(results.map((r) => [r.offset, r]));
  const deferred: StatusRecord[] = [];
  const bounced: StatusRecord[] = [];
  const traced: StatusRecord[] = [];
  for (const rt of routed) {
    const r = byOffset.get(rt.rcpt.offset) ?? qmgrResults([rt], 'deferred', '4.3.0', 'delivery agent returned no status')[0] as DeliverResult;
    if (qmgrMade) {
      const req = m.request(transport, nexthop, [rt]);
      m.log.info(`${m.id}: ${statusLine(req, req.recipients[0] as DeliverRecipient, r, now, now)}`);
    }
    if (r.status === 'deferred') deferred.push(statusRecord(rt, r, 'delayed', now));
    else if (r.status === 'bounced') bounced.push(statusRecord(rt, r, 'failed', now));
    else if (((rt.rcpt.notify ?? 0) & NOTIFY_SUCCESS) !== 0) traced.push(statusRecord(rt, r, r.action ?? (r.remoteMta ? 'relayed' : 'delivered'), now));
  }
  const work: Promise<void>[] = [];
  if (deferred.length > 0) {
    m.deferred = true;
    m.delays.push(...deferred);
    work.push(appendStatus(ctx.spool, 'defer', m.id, deferred).catch((err: Error) => m.log.warn(`${m.id}: cannot update defer log: ${err.message}`)));
  }
  if (bounced.length > 0) work.push(recordBounced(ctx, m, bounced));
  // Recipients qmgr itself calls sent (the discard transport) are marked done here.
  const discarded = qmgrMade ? results.filter((r) => r.status === 'sent').map((r) => r.offset) : [];
  if (discarded.length > 0) {
    work.push(markRecipientDone(m.path, discarded).catch((err: Error) => m.log.warn(`${m.id}: cannot mark recipients done: ${err.message}`)));
  }
  if (traced.length > 0) {
    work.push(
      appendStatus(ctx.spool, 'trace', m.id, traced, { sync: true }).then(
        () => void (m.traced += traced.length),
        (err: Error) => m.log.warn(`${m.id}: cannot update trace log: ${err.message}`),
      ),
    );
  }
  if (work.length > 0) await Promise.all(work);
  m.outstanding -= routed.length;
  if (m.outstanding === 0) ctx.finish(m);
}

/** recordBounced - bounce log first (durable), then mark the recipients done. */
async function recordBounced(ctx: RecordContext, m: Message, bounced: StatusRecord[]): Promise<void> {
  try {
    await appendStatus(ctx.spool, 'bounce', m.id, bounced, { sync: true });
  } catch (err) {
    m.log.warn(`${m.id}: cannot update bounce log: ${(err as Error).message} -- deferring`);
    m.deferred = true;
    m.delays.push(...bounced.map((b) => ({ ...b, action: 'delayed' as const, dsn: `4${b.dsn.slice(1)}` })));
    return;
  }
  m.bounced += bounced.length;
  try {
    await markRecipientDone(m.path, bounced.map((b) => b.offset as number));
  } catch (err) {
    m.log.warn(`${m.id}: cannot mark bounced recipients done: ${(err as Error).message}`);
  }
}
