/*
 * virtual - the virtual mailbox delivery agent (Postfix's virtual(8)): Maildirs and mbox
 * files under virtual_mailbox_base for the domains in virtual_mailbox_domains, on the
 * shared delivery-agent skeleton. Runs as root when master is root (master.cf unpriv = n)
 * so that it can give each mailbox to its uid/gid; see docs/virtual.md.
 */
import {
  deliveredToAddresses, deliveryAgent, queueLogger, withMessageContent,
  type DeliverRequest, type DeliveryOutcome, type Logger, type MessageContent, type ServiceContext,
} from '@mailroom/global';
import { deliverVirtual, type Status } from './mailbox.js';
import { virtualSettings, type VirtualSettings } from './settings.js';

let settings: VirtualSettings | undefined;

async function deliver(s: VirtualSettings, req: DeliverRequest, ctx: ServiceContext): Promise<DeliveryOutcome> {
  const log = queueLogger(ctx.log, req.queueId);
  return withMessageContent(req, log, (content) => deliverContent(s, req, log, content));
}

async function deliverContent(s: VirtualSettings, req: DeliverRequest, log: Logger, content: MessageContent): Promise<DeliveryOutcome> {
  const loop = deliveredToAddresses(content.head);
  // Recipients go to different mailboxes: deliver them side by side.
  const statuses = await Promise.all(req.recipients.map((rcpt): Promise<Status> => {
    if (loop.has(rcpt.address.toLowerCase())) {
      return Promise.resolve({ status: 'bounced', dsn: '5.4.6', reason: `mail forwarding loop for ${rcpt.address}` });
    }
    // One recipient's unexpected failure must not cost the others their results.
    return deliverVirtual(s, req, rcpt, content).catch((err: Error): Status =>
      ({ status: 'deferred', dsn: '4.3.0', reason: 'mail system configuration error', warning: `${rcpt.address}: ${err.stack ?? err.message}` }));
  }));
  return {
    results: statuses.map((st, i) => {
      if (st.warning) log.warn(st.warning);
      return { offset: (req.recipients[i] as DeliverRequest['recipients'][number]).offset, status: st.status, dsn: st.dsn, reason: st.reason, relay: req.transport };
    }),
  };
}

await deliveryAgent({
  name: 'virtual',
  preInit(ctx) {
    settings = virtualSettings(ctx.config);
  },
  deliver: (req, ctx) => deliver(settings ?? virtualSettings(ctx.config), req, ctx),
});
