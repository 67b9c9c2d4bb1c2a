/*
 * deliver - one delivery request: read the message once (Delivered-To: headers included),
 * deliver each recipient with its expansion, send collected forwards to cleanup, and turn
 * each recipient's outcomes into one result (deferred if anything was deferred, else
 * bounced if anything bounced, else sent) and one log line per final destination.
 */
import {
  deliveredToAddresses, queueLogger, withMessageContent,
  type DeliverRecipient, type DeliverRequest, type DeliverResult, type DeliveryOutcome, type ExpandedResult,
  type Logger, type MessageContent, type ServiceContext,
} from '@mailroom/global';
import { Forwarder } from './forward.js';
import { deliverRecipient } from './recipient.js';
import type { LocalSettings } from './settings.js';
import { DupFilter, type Delivery, type Outcome } from './state.js';

function toResult(offset: number, o: Outcome, relay: string): DeliverResult {
  return { offset, status: o.status, dsn: o.dsn, reason: o.reason, relay: o.relay ?? relay };
}

/** summarize - the recipient's result: the first deferral, else the first bounce, else sent. */
export function summarize(rcpt: DeliverRecipient, outcomes: readonly Outcome[], relay: string): DeliverResult {
  const pick = outcomes.find((o) => o.status === 'deferred') ?? outcomes.find((o) => o.status === 'bounced') ?? outcomes[0];
  // Nothing left to do (every destination was a duplicate of one already delivered).
  if (!pick) return { offset: rcpt.offset, status: 'sent', dsn: '2.0.0', reason: 'delivered', relay };
  return toResult(rcpt.offset, pick, relay);
}

/** deliverRequest - deliver every recipient of `req`. */
export async function deliverRequest(s: LocalSettings, req: DeliverRequest, ctx: ServiceContext): Promise<DeliveryOutcome> {
  const log = queueLogger(ctx.log, req.queueId);
  return withMessageContent(req, log, (content) => deliverContent(s, req, ctx, log, content));
}

async function deliverContent(s: LocalSettings, req: DeliverRequest, ctx: ServiceContext, log: Logger, content: MessageContent): Promise<DeliveryOutcome> {
  const loop = deliveredToAddresses(content.head);
  const dup = new DupFilter(s.dupLimit);
  const forwarder = new Forwarder(req, content);
  const deliveries: Delivery[] = [];
  for (const rcpt of req.recipients) {
    const d: Delivery = { req, rcpt, content, loop, settings: s, ctx, log, dup, forwarder, outcomes: [] };
    deliveries.push(d);
    try {
      await deliverRecipient(d, { address: rcpt.address, sender: req.sender, delivered: rcpt.address, level: 0 });
    } catch (err) {
      log.error(`local: ${rcpt.address}: ${(err as Error).stack ?? String(err)}`);
      d.outcomes.push({ address: rcpt.address, status: 'deferred', dsn: '4.3.0', reason: 'mail system configuration error' });
    }
  }
  await forwarder.finish({ settings: s, log });
  const relay = req.transport;
  const expansions = new Map<number, ExpandedResult[]>();
  for (const d of deliveries) {
    expansions.set(d.rcpt.offset, d.outcomes.filter((o) => !o.loggedElsewhere).map((o) => ({ address: o.address, result: toResult(d.rcpt.offset, o, relay) })));
  }
  return { results: deliveries.map((d) => summarize(d.rcpt, d.outcomes, relay)), expansions };
}
