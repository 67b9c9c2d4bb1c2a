/*
 * qmgr/message - a message in the active queue, as qmgr keeps it in memory: the queue
 * file's envelope and recipients, and the state of the current delivery attempt.
 * A message's attempt ends when no recipient is left waiting or in flight
 * (qmgr/finish.ts then removes it, or moves it to deferred/). Used by every qmgr file.
 */
import type { DeliverRequest, Logger, QueueFile, QueueRecipient, StatusRecord } from '@mailroom/global';

/** A recipient as routed: the queue file's recipient and the address the transport gets. */
export interface Routed {
  rcpt: QueueRecipient;
  /** Address in the form trivial-rewrite gave for the transport. */
  address: string;
}

export class Message {
  /** Recipients waiting in a destination queue or in flight. */
  outstanding = 0;
  /** Some recipient was deferred in this attempt (or a notice could not be sent). */
  deferred = false;
  /** Why recipients were deferred in this attempt (expiry and delay notices quote it). */
  readonly delays: StatusRecord[] = [];
  /** Recipients whose status went to the bounce log in this attempt. */
  bounced = 0;
  /** Recipients with NOTIFY=SUCCESS delivered in this attempt (trace log). */
  traced = 0;
  /** The attempt is over and the message is being finished. */
  finishing = false;
  /** `postsuper -e`/`-f` asked for forced expiration: returned to the sender without an attempt. */
  forceExpired = false;
  /** Taken by `postqueue -i` or `-s`: revive the destinations it is queued for (Postfix's flush daemon). */
  unthrottle = false;

  constructor(
    readonly file: QueueFile,
    /** Path in active/. */
    readonly path: string,
    /** When it entered the active queue, ms. */
    readonly activeTime: number,
    readonly log: Logger,
    /** Deliver over defer_transports too (postqueue -f). */
    readonly flush: boolean,
    /**
     * The message may have defer/bounce/trace logs from an earlier attempt (it came from
     * deferred/, was recovered from active/, or has recipients done). Fresh mail from
     * cleanup has none, which spares it the look-ups.
     */
    readonly history: boolean,
  ) {}

  get id(): string {
    return this.file.id;
  }

  /** Recipients held in memory (qmgr_message_recipient_limit accounting). */
  get weight(): number {
    return this.file.recipients.length;
  }

  /** pending - recipients not yet delivered according to the file as read. */
  pending(): QueueRecipient[] {
    return this.file.recipients.filter((r) => !r.done);
  }

  /** lifetime - seconds the message may stay queued (bounce_queue_lifetime for null-sender mail). */
  lifetime(maxQueue: number, bounceQueue: number): number {
    return this.file.sender === '' ? bounceQueue : maxQueue;
  }

  /** createTime - when the message was queued, epoch seconds. */
  createTime(): number {
    return this.file.createTime ?? Math.floor(this.file.arrivalTime / 1000);
  }

  /** request - a delivery request for some of its recipients. */
  request(transport: string, nexthop: string, rcpts: readonly Routed[]): DeliverRequest {
    const f = this.file;
    const req: DeliverRequest = {
      type: 'deliver',
      queueId: f.id,
      path: this.path,
      contentOffset: f.contentOffset,
      contentSize: f.contentSize,
      sender: f.sender,
      arrivalTime: Math.round(f.arrivalTime),
      transport,
      nexthop,
      recipients: rcpts.map(({ rcpt, address }) => {
        const r: DeliverRequest['recipients'][number] = { address, original: rcpt.original, offset: rcpt.offset };
        if (rcpt.orcpt !== undefined) r.orcpt = rcpt.orcpt;
        if (rcpt.notify !== undefined) r.notify = rcpt.notify;
        return r;
      }),
      attributes: f.attributes,
      activeTime: this.activeTime,
    };
    if (f.envid !== undefined) req.envid = f.envid;
    if (f.ret !== undefined) req.ret = f.ret;
    if (f.smtputf8) req.smtputf8 = true;
    return req;
  }
}
