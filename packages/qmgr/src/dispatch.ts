/*
 * qmgr/dispatch - send one delivery request to `private/<transport>` and take in the
 * agent's answer: the results are recorded (qmgr/results.ts) and the scheduler gets
 * its feedback (a reply that says destinationFailed is negative feedback, any other
 * reply positive). An agent that cannot be reached (no socket, connection refused)
 * defers the recipients with `4.3.0 mail transport unavailable` and suspends the
 * transport for transport_retry_time; an agent that goes away mid-delivery (killed,
 * timeout after ipc_timeout) leaves the recipients it marked done delivered and the
 * rest deferred with `4.3.0 unknown mail transport error`.
 */
import { readQueueFileSync, type DeliverReply, type DeliverResult, type IpcError, type Logger } from '@mailroom/global';
import type { Message, Routed } from './message.js';
import type { Entry } from './queue.js';
import { qmgrResults } from './results.js';
import type { Outcome, Scheduler } from './scheduler.js';
import type { Transport } from './transport.js';

export interface DispatchContext {
  scheduler: Scheduler;
  /** recordResults() with the qmgr's context. */
  record(m: Message, transport: string, nexthop: string, routed: readonly Routed[], results: readonly DeliverResult[], qmgrMade: boolean): void;
  log: Logger;
  /** Start more deliveries soon. */
  pump(): void;
}

/** Errors that mean the agent was never reached. */
const UNREACHABLE = new Set(['ENOENT', 'ECONNREFUSED']);

/** dispatchEntry - deliver one entry over its transport. */
export function dispatchEntry(ctx: DispatchContext, entry: Entry, t: Transport): void {
  const req = entry.message.request(t.name, entry.queue.nexthop, entry.recipients);
  t.agent.request(req).then(
    (rep) => delivered(ctx, entry, t, rep),
    (err: IpcError) => failed(ctx, entry, t, err),
  );
}

function delivered(ctx: DispatchContext, entry: Entry, t: Transport, rep: DeliverReply): void {
  let outcome: Outcome = { kind: 'ok' };
  if (rep.destinationFailed) {
    const r = rep.results.find((x) => x.status !== 'sent') ?? rep.results[0];
    outcome = { kind: 'failed', dsn: r?.dsn ?? '4.4.1', reason: r?.reason ?? 'destination not reachable' };
  }
  ctx.scheduler.done(entry, t, outcome);
  ctx.pump();
  ctx.record(entry.message, t.name, entry.queue.nexthop, entry.recipients, rep.results, false);
}

function failed(ctx: DispatchContext, entry: Entry, t: Transport, err: IpcError): void {
  const m = entry.message;
  const nexthop = entry.queue.nexthop;
  ctx.scheduler.done(entry, t, { kind: 'neutral' });
  if (UNREACHABLE.has(err.code)) {
    if (!t.suspended) ctx.log.warn(`connect to transport private/${t.name}: ${err.message}`);
    ctx.scheduler.suspendTransport(t, '4.3.0', 'mail transport unavailable');
    const results = qmgrResults(entry.recipients, 'deferred', '4.3.0', 'mail transport unavailable');
    ctx.record(m, t.name, nexthop, entry.recipients, results, true);
  } else {
    m.log.warn(`${m.id}: transport ${t.name}: ${err.message}`);
    const done = doneOffsets(m.path);
    const sent = entry.recipients.filter((r) => done.has(r.rcpt.offset));
    const lost = entry.recipients.filter((r) => !done.has(r.rcpt.offset));
    if (sent.length > 0) ctx.record(m, t.name, nexthop, sent, qmgrResults(sent, 'sent', '2.0.0', 'delivered'), false);
    if (lost.length > 0) {
      ctx.record(m, t.name, nexthop, lost, qmgrResults(lost, 'deferred', '4.3.0', 'unknown mail transport error'), true);
    }
  }
  ctx.pump();
}

/** doneOffsets - recipients the queue file has marked done now (none when unreadable). */
function doneOffsets(file: string): Set<number> {
  try {
    return new Set(readQueueFileSync(file).recipients.filter((r) => r.done).map((r) => r.offset));
  } catch {
    return new Set();
  }
}
