/*
 * deliver/agent - the skeleton every delivery agent plugs into (local, virtual, smtp,
 * lmtp, pipe, error, discard): serve the deliver protocol on the agent's socket, run
 * the agent's `deliver`, then record and report per-recipient results:
 *   - recipients sent are marked done in the queue file (durably) before the reply,
 *     as protocols/deliver.ts requires;
 *   - every result gets one Postfix-style log line with the queue ID:
 *     `to=<u@example.net>, orig_to=<alias@...>, relay=..., delay=0.42,
 *      delays=0.1/0/0.2/0.12, dsn=2.0.0, status=sent (250 2.0.0 Ok)`;
 *   - an agent that throws defers every recipient (4.3.0) and keeps serving;
 *   - the queue file is held (queue/lock useQueueFile) from before the delivery until
 *     the recipients are marked done, so that a qmgr restarted meanwhile does not move
 *     it back to incoming/ and deliver it again; a file being moved (or gone) defers, and
 *     so does a request whose qmgr has already gone away (it is not delivered at all).
 * Many deliveries run at once in one process; qmgr decides how many.
 */
import type net from 'node:net';
import { serveIpc } from '../ipc/server.js';
import { queueLogger, type Logger } from '../log.js';
import {
  deliverReplyCodec, deliverRequestCodec, type DeliverReply, type DeliverRequest, type DeliverResult,
} from '../protocols/deliver.js';
import { useQueueFile } from '../queue/lock.js';
import { markRecipientDone } from '../queue/update.js';
import { multiServer } from '../service/servers.js';
import type { ServiceContext, ServiceHooks, ServiceRuntime } from '../service/skeleton.js';

/** What an agent's deliver returns. */
export interface DeliveryOutcome {
  /** One result per requested recipient (matched by offset). */
  results: DeliverResult[];
  /** The destination itself failed (qmgr's concurrency feedback). */
  destinationFailed?: boolean;
  /**
   * Per recipient offset, the final destinations the agent expanded it to (local's aliases
   * and .forward files): each is logged as its own `to=<final>, orig_to=<recipient>` line
   * instead of the recipient's one. An empty list: another agent delivered it and logged it.
   */
  expansions?: ReadonlyMap<number, ReadonlyArray<ExpandedResult>>;
}

/** One final destination of an expanded recipient (for the log only). */
export interface ExpandedResult {
  address: string;
  result: DeliverResult;
}

export interface DeliveryAgent extends ServiceHooks {
  deliver(req: DeliverRequest, ctx: ServiceContext): Promise<DeliveryOutcome>;
}

/** formatDelay - seconds as Postfix prints them: 0.42, 1.2, 12. */
export function formatDelay(seconds: number): string {
  const s = Math.max(0, seconds);
  if (s === 0) return '0';
  if (s < 0.01) return '0.01';
  if (s < 1) return s.toFixed(2).replace(/0$/, '');
  if (s < 10) return s.toFixed(1).replace(/\.0$/, '');
  return String(Math.round(s));
}

/** statusLine - the `to=<...>, relay=..., status=...` log line of one result. */
export function statusLine(req: DeliverRequest, rcpt: DeliverRequest['recipients'][number], r: DeliverResult, receivedMs: number, nowMs: number): string {
  const active = req.activeTime ?? receivedMs;
  const a = (active - req.arrivalTime) / 1000;
  const b = (receivedMs - active) / 1000;
  const c = r.connectSeconds ?? 0;
  const d = r.transmitSeconds ?? Math.max(0, (nowMs - receivedMs) / 1000 - c);
  const origTo = rcpt.original && rcpt.original !== rcpt.address ? `, orig_to=<${rcpt.original}>` : '';
  return `to=<${rcpt.address}>${origTo}, relay=${r.relay}, delay=${formatDelay((nowMs - req.arrivalTime) / 1000)}, ` +
    `delays=${[a, b, c, d].map(formatDelay).join('/')}, dsn=${r.dsn}, status=${r.status} (${r.reason})`;
}

/** deferAll - every recipient deferred with one reason (agent failure, lost file). */
export function deferAll(req: DeliverRequest, dsn: string, reason: string, relay = 'none'): DeliverResult[] {
  return req.recipients.map((r) => ({ offset: r.offset, status: 'deferred' as const, dsn, reason, relay }));
}

async function handle(agent: DeliveryAgent, req: DeliverRequest, ctx: ServiceContext, requesterGone: () => boolean): Promise<DeliverReply> {
  const received = Date.now();
  const log: Logger = queueLogger(ctx.log, req.queueId);
  const hold = holdQueueFile(req.path, log);
  try {
    // A request read from a connection whose qmgr has died (it waited in the socket
    // while this agent was starting) must not be delivered: the next qmgr has taken the
    // file back and may be delivering it right now. Its end of file is seen by now.
    await new Promise((r) => setImmediate(r));
    if (hold && requesterGone()) {
      log.info(`${req.queueId}: delivery request abandoned by the queue manager: not delivered`);
      const results = deferAll(req, '4.3.0', 'delivery request abandoned by the queue manager');
      return { type: 'delivered', queueId: req.queueId, results };
    }
    return await deliverHeld(agent, req, ctx, log, received, hold !== null);
  } finally {
    hold?.release();
  }
}

/** holdQueueFile - the shared hold on the file; null when it is being moved or is gone. */
function holdQueueFile(file: string, log: Logger): ReturnType<typeof useQueueFile> {
  try {
    return useQueueFile(file);
  } catch (err) {
    log.warn(`${file}: cannot hold the queue file: ${(err as Error).message}`);
    return null;
  }
}

async function deliverHeld(agent: DeliveryAgent, req: DeliverRequest, ctx: ServiceContext, log: Logger, received: number, held: boolean): Promise<DeliverReply> {
  let outcome: DeliveryOutcome;
  if (!held) {
    outcome = { results: deferAll(req, '4.3.0', 'queue file is locked or gone') };
  } else {
    try {
      outcome = await agent.deliver(req, ctx);
    } catch (err) {
      log.error(`${ctx.name}: ${(err as Error).stack ?? String(err)}`);
      outcome = { results: deferAll(req, '4.3.0', 'mail system configuration error') };
    }
  }
  const byOffset = new Map(outcome.results.map((r) => [r.offset, r]));
  const results = req.recipients.map((rcpt) =>
    byOffset.get(rcpt.offset) ?? { offset: rcpt.offset, status: 'deferred' as const, dsn: '4.3.0', reason: 'delivery agent returned no status', relay: 'none' },
  );
  // A negative offset: a recipient another agent handed over (local's mailbox_transport);
  // that agent marks the queue file itself.
  const sent = results.filter((r) => r.status === 'sent' && r.offset >= 0).map((r) => r.offset);
  if (sent.length > 0) {
    try {
      await markRecipientDone(req.path, sent);
    } catch (err) {
      // The file went away (postsuper -d) or is damaged: the mail was delivered; say so.
      log.warn(`${req.path}: cannot mark recipients done: ${(err as Error).message}`);
    }
  }
  const now = Date.now();
  req.recipients.forEach((rcpt, i) => {
    const expanded = outcome.expansions?.get(rcpt.offset);
    if (!expanded) return log.info(`${req.queueId}: ${statusLine(req, rcpt, results[i] as DeliverResult, received, now)}`);
    const original = rcpt.original || rcpt.address;
    for (const e of expanded) log.info(`${req.queueId}: ${statusLine(req, { ...rcpt, address: e.address, original }, e.result, received, now)}`);
  });
  return { type: 'delivered', queueId: req.queueId, results, destinationFailed: outcome.destinationFailed };
}

/** deliveryAgent - run a delivery agent daemon on the shared skeleton. */
export function deliveryAgent(agent: DeliveryAgent): Promise<ServiceRuntime> {
  return multiServer({
    ...agent,
    onConnection: (sock: net.Socket, ctx: ServiceContext) =>
      serveIpc(sock, deliverRequestCodec, deliverReplyCodec, (req) => handle(agent, req, ctx, () => sock.readableEnded || sock.destroyed), ctx.log),
  });
}
