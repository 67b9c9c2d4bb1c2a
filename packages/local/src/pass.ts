/*
 * pass - hand a recipient to another delivery transport (mailbox_transport,
 * fallback_transport), as Postfix's deliver_pass does: local sends that transport's
 * agent a delivery request for the same queue file over `private/<transport>` and takes
 * its result. The request's recipient offset is -1, so the other agent leaves the queue
 * file alone and this agent marks the recipient done when all of its destinations are.
 * The other agent logs the delivery; local does not log it again.
 */
import { deliverReplyCodec, deliverRequestCodec, ipcOptions, IpcClient, servicePath, splitAddress } from '@mailroom/global';
import { record, type Attr, type Delivery } from './state.js';

/** passTo - deliver `a.address` through `spec` (transport[:nexthop]). */
export async function passTo(d: Delivery, a: Attr, spec: string): Promise<void> {
  const colon = spec.indexOf(':');
  const transport = colon < 0 ? spec : spec.slice(0, colon);
  const nexthop = (colon < 0 ? '' : spec.slice(colon + 1)) || splitAddress(a.address).domain || d.req.nexthop;
  const client = new IpcClient(servicePath(d.settings.queueDir, `private/${transport}`), deliverRequestCodec, deliverReplyCodec, ipcOptions(d.settings.config));
  try {
    const reply = await client.request({
      ...d.req, transport, nexthop, recipients: [{ ...d.rcpt, address: a.address, offset: -1 }],
    });
    const r = reply.results[0];
    if (!r) throw new Error('no result');
    Object.assign(record(d, a.address, r.status, r.dsn, r.reason), { relay: r.relay, loggedElsewhere: true });
  } catch (err) {
    d.log.warn(`${transport}: ${(err as Error).message}`);
    record(d, a.address, 'deferred', '4.3.0', 'mail transport unavailable');
  } finally {
    client.close();
  }
}
