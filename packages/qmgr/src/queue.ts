/*
 * qmgr/queue - one destination queue: the mail for one transport and next hop.
 * It holds the delivery entries waiting (oldest first), the deliveries in flight, and
 * the destination's concurrency window (qmgr/feedback.ts). A dead destination (failed
 * cohort limit reached) takes no mail until it is revived after minimal_backoff_time
 * or by `postqueue -f`; with a rate delay, one delivery at a time and a pause after
 * each. Owned by its Transport (qmgr/transport.ts); the Scheduler drives it.
 */
import { initialWindow, isDead, type FeedbackLimits, type WindowState } from './feedback.js';
import { Fifo } from './fifo.js';
import type { Message, Routed } from './message.js';

/** Up to <transport>_destination_recipient_limit recipients of one message, for one queue. */
export interface Entry {
  message: Message;
  recipients: Routed[];
  queue: DestQueue;
}

/** Why a dead destination or transport defers its mail. */
export interface Suspension {
  dsn: string;
  reason: string;
  timer: NodeJS.Timeout;
}

export class DestQueue {
  readonly todo = new Fifo<Entry>();
  busy = 0;
  readonly state: WindowState;
  /** Set while the destination is dead. */
  suspended: Suspension | undefined;
  /** Rate delay: no delivery before this time (ms). */
  notBefore = 0;

  constructor(
    /** The queue's name in its transport: the next hop in lower case, or `user@nexthop`
     *  when the transport takes one recipient per delivery (per-recipient concurrency). */
    readonly key: string,
    /** Next hop as trivial-rewrite gave it (what the agent gets). */
    readonly nexthop: string,
    readonly transport: string,
    limits: FeedbackLimits,
    rateDelayed: boolean,
  ) {
    this.state = initialWindow(limits);
    if (rateDelayed) this.state.window = 1;
  }

  /** ready - may a delivery start now? */
  ready(now: number): boolean {
    return !this.suspended && !isDead(this.state) && this.todo.length > 0 && this.busy < this.state.window && now >= this.notBefore;
  }

  /** idle - nothing waiting, nothing in flight, nothing to remember: the queue can go. */
  idle(): boolean {
    return this.todo.length === 0 && this.busy === 0 && !this.suspended && this.notBefore <= Date.now();
  }
}
