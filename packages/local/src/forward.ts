/*
 * forward - further addresses that are not this transport's (an alias or .forward to a
 * remote address, to a virtual domain ...) are re-submitted to cleanup as one new message
 * per sender and Delivered-To value, carrying the same content with a Delivered-To: header
 * prepended, the original arrival time and DSN options, so that each forwarded recipient has
 * its own queue file record (local(8) MAIL FORWARDING). Addresses are collected during the
 * request and sent at its end; each is logged `status=sent (forwarded as NEWID)`.
 * Reads (through settings): prepend_delivered_header; cleanup_service_name, ipc_timeout.
 */
import {
  CLEANUP_FLAG_MASK_INTERNAL, CleanupClient, externalForm, type DeliverRequest, type MessageContent,
} from '@mailroom/global';
import type { Attr, Delivery, Outcome } from './state.js';

interface Item {
  outcome: Outcome;
  original: string;
  orcpt?: string;
  notify?: number;
}

interface Group {
  sender: string;
  delivered: string;
  items: Item[];
}

export class Forwarder {
  private readonly groups = new Map<string, Group>();

  constructor(
    private readonly req: DeliverRequest,
    private readonly content: MessageContent,
  ) {}

  /** add - forward `address` (resolved, not ours) for the current recipient. */
  add(d: Delivery, a: Attr, address: string): void {
    const outcome: Outcome = { address, status: 'deferred', dsn: '4.3.0', reason: 'mail forwarding was not completed' };
    d.outcomes.push(outcome);
    const key = `${a.sender}\0${a.delivered}`;
    let g = this.groups.get(key);
    if (!g) this.groups.set(key, (g = { sender: a.sender, delivered: a.delivered, items: [] }));
    g.items.push({ outcome, original: d.rcpt.original || d.rcpt.address, orcpt: d.rcpt.orcpt ?? `rfc822;${d.rcpt.original || d.rcpt.address}`, notify: d.rcpt.notify });
  }

  /** finish - submit every collected group to cleanup and settle the outcomes. */
  async finish(d: Pick<Delivery, 'settings' | 'log'>): Promise<void> {
    for (const g of this.groups.values()) await this.submit(d, g);
    this.groups.clear();
  }

  private async submit(d: Pick<Delivery, 'settings' | 'log'>, g: Group): Promise<void> {
    const header = d.settings.deliveredHeader.has('forward') ? `Delivered-To: ${externalForm(g.delivered)}\n` : '';
    const content = this.content;
    async function* body(): AsyncGenerator<Buffer> {
      if (header) yield Buffer.from(header);
      yield* content.open();
    }
    const settle = (status: Outcome['status'], dsn: string, reason: string): void => {
      for (const i of g.items) Object.assign(i.outcome, { status, dsn, reason });
    };
    const client = CleanupClient.fromConfig(d.settings.config);
    try {
      const done = await client.submit({
        flags: CLEANUP_FLAG_MASK_INTERNAL,
        sender: g.sender,
        recipients: g.items.map((i) => ({ address: i.outcome.address, original: i.original, orcpt: i.orcpt, notify: i.notify })),
        arrivalTime: this.req.arrivalTime,
        attributes: {},
        envid: this.req.envid,
        ret: this.req.ret,
        smtputf8: this.req.smtputf8,
      }, body());
      if (done.status === 'ok' || done.status === 'discard') settle('sent', '2.0.0', `forwarded as ${done.queueId}`);
      else if (done.status === 'reject') settle('bounced', done.dsn ?? '5.3.0', done.reason ?? 'message content rejected');
      else settle('deferred', done.dsn ?? '4.3.0', `mail forwarding failed: ${done.reason ?? 'cleanup deferred the message'}`);
    } catch (err) {
      d.log.warn(`forward: cleanup service: ${(err as Error).message}`);
      settle('deferred', '4.3.0', 'mail forwarding failed: cannot submit to cleanup');
    } finally {
      client.close();
    }
  }
}
