/*
 * discard - the discard delivery agent (Postfix's discard(8)): pretends to deliver every
 * recipient of a request, logs `status=sent` with the next hop as the reason (an RFC 3463
 * 2.x.x code in front of it is used as the status), and marks the recipients done.
 * `discard:text` in transport_maps arrives here. See docs/discard.md.
 * Reads no parameters of its own (the skeleton's only).
 */
import { deliveryAgent, nexthopStatus, queueLogger } from '@mailroom/global';

await deliveryAgent({
  name: 'discard',
  preInit(ctx) {
    if (ctx.args.length > 0) ctx.fatal(`unexpected command-line argument: ${ctx.args[0] ?? ''}`);
  },
  deliver(req, ctx) {
    const { status, dsn, reason, warning } = nexthopStatus('discard', req.nexthop);
    if (warning) queueLogger(ctx.log, req.queueId).warn(warning);
    return Promise.resolve({ results: req.recipients.map((r) => ({ offset: r.offset, status, dsn, reason, relay: 'none' })) });
  },
});
