/*
 * error - the error/retry delivery agent (Postfix's error(8)): every recipient of a request
 * is bounced (service name `error`) or deferred (service `retry`), with the next hop as the
 * reason, an RFC 3463 code in front of it taking the place of 5.0.0 / 4.0.0. `error:text`
 * and `retry:text` in transport_maps (and trivial-rewrite's own verdicts such as `5.1.3 bad
 * address syntax`) arrive here; qmgr writes the bounce/defer logs. See docs/error.md.
 * Reads no parameters of its own (the skeleton's only).
 */
import { deliveryAgent, isNexthopTransport, nexthopStatus, queueLogger, type ServiceContext } from '@mailroom/global';

/** mode - `error` or `retry`, from the master.cf service name; anything else is fatal. */
function mode(ctx: ServiceContext): 'error' | 'retry' {
  if (ctx.args.length > 0) ctx.fatal(`unexpected command-line argument: ${ctx.args[0] ?? ''}`);
  if (ctx.service === 'error' || ctx.service === 'retry') return ctx.service;
  ctx.fatal(`bad error service name: ${ctx.service}`);
}

await deliveryAgent({
  name: 'error',
  preInit(ctx) {
    mode(ctx);
  },
  deliver(req, ctx) {
    const m = mode(ctx);
    const st = isNexthopTransport(m) ? nexthopStatus(m, req.nexthop) : undefined;
    if (!st) throw new Error(`bad error service name: ${ctx.service}`);
    if (st.warning) queueLogger(ctx.log, req.queueId).warn(st.warning);
    const { status, dsn, reason } = st;
    return Promise.resolve({ results: req.recipients.map((r) => ({ offset: r.offset, status, dsn, reason, relay: 'none' })) });
  },
});
