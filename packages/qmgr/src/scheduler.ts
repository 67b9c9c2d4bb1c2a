/*
 * qmgr/scheduler - which delivery starts next. Entries (one message's recipients for
 * one transport and next hop, at most <transport>_destination_recipient_limit) wait
 * in their destination queue. pump() starts deliveries round-robin: across transports
 * with a queue ready, then across that transport's ready queues, one entry at a time,
 * so one busy or slow destination never starves another. Limits: the destination's
 * concurrency window (qmgr/feedback.ts) and the transport's process limit.
 * After each delivery, done() applies the feedback: a destination failure lowers the
 * window and may declare the destination dead, which defers everything waiting for it
 * ("delivery temporarily suspended: ...") for minimal_backoff_time; a transport that
 * cannot be reached is suspended for transport_retry_time. `postqueue -f` (F) and
 * `postqueue -s` revive them early. Pure bookkeeping: the Sink does the I/O.
 */
import { isDead, negativeFeedback, positiveFeedback, revive } from './feedback.js';
import type { Message, Routed } from './message.js';
import { DestQueue, type Entry, type Suspension } from './queue.js';
import type { TransportSettings } from './settings.js';
import { Transport } from './transport.js';

export interface SchedulerSink {
  /** Start one delivery (the entry is counted busy until done()). */
  dispatch(entry: Entry, transport: Transport): void;
  /** Defer entries without a delivery attempt. */
  defer(entries: readonly Entry[], dsn: string, reason: string): void;
}

export interface SchedulerOptions {
  /** A transport's settings and connection socket. */
  transport(name: string): { settings: TransportSettings; socket: string };
  ipc: ConstructorParameters<typeof Transport>[2];
  /** How long a dead destination stays dead (minimal_backoff_time), ms. */
  deadMs: number;
  /** How long an unreachable transport stays suspended (transport_retry_time), ms. */
  transportRetryMs: number;
}

/** How a delivery ended, for the feedback (neutral: the agent was never reached). */
export type Outcome = { kind: 'ok' } | { kind: 'neutral' } | { kind: 'failed'; dsn: string; reason: string };

function first<T>(set: Set<T>): T | undefined {
  for (const v of set) return v;
  return undefined;
}

export class Scheduler {
  readonly transports = new Map<string, Transport>();
  /** Transports that can start a delivery, in round-robin order. */
  private readonly readyTransports = new Set<Transport>();

  constructor(
    private readonly opts: SchedulerOptions,
    private readonly sink: SchedulerSink,
  ) {}

  /** transport - the Transport of a name, made on first use. */
  transport(name: string): Transport {
    let t = this.transports.get(name);
    if (!t) {
      const { settings, socket } = this.opts.transport(name);
      t = new Transport(settings, socket, this.opts.ipc);
      this.transports.set(name, t);
    }
    return t;
  }

  /** enqueue - add a message's recipients for one transport and next hop. */
  enqueue(message: Message, transportName: string, nexthop: string, routed: readonly Routed[]): void {
    const t = this.transport(transportName);
    message.outstanding += routed.length;
    if (t.settings.recipientLimit !== 1) {
      this.enqueueQueue(t, nexthop.toLowerCase(), nexthop, message, routed);
      return;
    }
    // One recipient per delivery: one queue per recipient (local_destination_concurrency_limit
    // then limits parallel deliveries to one mailbox, as in Postfix).
    const per = new Map<string, Routed[]>();
    for (const r of routed) {
      const at = r.address.lastIndexOf('@');
      const key = `${(at < 0 ? r.address : r.address.slice(0, at)).toLowerCase()}@${nexthop.toLowerCase()}`;
      const list = per.get(key);
      if (list) list.push(r);
      else per.set(key, [r]);
    }
    for (const [key, list] of per) this.enqueueQueue(t, key, nexthop, message, list);
  }

  private enqueueQueue(t: Transport, key: string, nexthop: string, message: Message, routed: readonly Routed[]): void {
    let q = t.queues.get(key);
    if (!q) {
      q = new DestQueue(key, nexthop, t.name, t.settings.feedback, t.settings.rateDelay > 0);
      t.queues.set(key, q);
    }
    const limit = t.settings.recipientLimit;
    const entries: Entry[] = [];
    for (let i = 0; i < routed.length; i += limit) entries.push({ message, recipients: routed.slice(i, i + limit), queue: q });
    if (message.unthrottle) {
      // postqueue -i / -s: the message revives its destination (Postfix's flush daemon "unthrottle").
      this.reviveTransport(t, false);
      this.reviveQueue(t, q, false);
    }
    const why = t.suspended ?? q.suspended;
    if (why) {
      this.sink.defer(entries, why.dsn, why.reason);
      this.forget(t, q);
      return;
    }
    for (const e of entries) q.todo.push(e);
    this.refresh(t, q);
  }

  /** pump - start every delivery the limits allow now. */
  pump(): void {
    const now = Date.now();
    for (;;) {
      const t = first(this.readyTransports);
      if (!t) return;
      this.readyTransports.delete(t);
      const q = first(t.ready);
      if (!q || !t.canStart()) continue;
      t.ready.delete(q);
      const entry = q.todo.shift();
      if (entry) {
        q.busy++;
        t.busy++;
        this.sink.dispatch(entry, t);
      }
      this.refreshQueue(t, q, now); // back at the end of the ring if still ready
      if (t.canStart()) this.readyTransports.add(t);
    }
  }

  /** done - a delivery ended; apply its feedback. Call pump() afterwards. */
  done(entry: Entry, transport: Transport, outcome: Outcome): void {
    const q = entry.queue;
    q.busy--;
    transport.busy--;
    const limits = transport.settings.feedback;
    if (transport.settings.rateDelay > 0) {
      q.notBefore = Date.now() + transport.settings.rateDelay * 1000;
      setTimeout(() => {
        this.refresh(transport, q);
        this.pump();
      }, transport.settings.rateDelay * 1000).unref();
    }
    if (outcome.kind === 'ok') {
      if (transport.settings.rateDelay === 0) positiveFeedback(q.state, limits, q.busy);
      else q.state.failCohorts = 0;
    } else if (outcome.kind === 'neutral') {
      // no news about the destination
    } else if (!q.suspended && negativeFeedback(q.state, limits)) {
      this.suspendQueue(transport, q, outcome.dsn, `delivery temporarily suspended: ${outcome.reason}`);
    }
    if (transport.settings.rateDelay > 0 && !isDead(q.state)) q.state.window = 1;
    this.refresh(transport, q);
  }

  /** suspendTransport - the agent cannot be reached: defer all its mail for a while. */
  suspendTransport(t: Transport, dsn: string, reason: string): void {
    if (t.suspended) return;
    const timer = setTimeout(() => this.reviveTransport(t), this.opts.transportRetryMs);
    timer.unref();
    t.suspended = { dsn, reason, timer };
    this.readyTransports.delete(t);
    for (const q of [...t.queues.values()]) {
      this.sink.defer(q.todo.drain(), dsn, reason);
      this.forget(t, q);
    }
  }

  /** reviveAll - forget dead destinations and transports (postqueue -f). */
  reviveAll(): void {
    for (const t of this.transports.values()) {
      this.reviveTransport(t, false);
      for (const q of [...t.queues.values()]) this.reviveQueue(t, q, false);
    }
    this.pump();
  }

  /** reviveSite - forget a dead destination whose next hop is `site` (postqueue -s). */
  reviveSite(site: string): void {
    const names = new Set([site.toLowerCase(), `[${site.toLowerCase()}]`]);
    for (const t of this.transports.values()) {
      for (const q of [...t.queues.values()]) if (names.has(q.nexthop.toLowerCase())) this.reviveQueue(t, q, false);
    }
    this.pump();
  }

  /** stats - totals for logs and tests. */
  stats(): { transports: number; queues: number; busy: number; waiting: number } {
    let queues = 0;
    let busy = 0;
    let waiting = 0;
    for (const t of this.transports.values()) {
      queues += t.queues.size;
      busy += t.busy;
      for (const q of t.queues.values()) waiting += q.todo.length;
    }
    return { transports: this.transports.size, queues, busy, waiting };
  }

  /** close - stop timers and connections (tests, shutdown). */
  close(): void {
    for (const t of this.transports.values()) {
      if (t.suspended) clearTimeout(t.suspended.timer);
      for (const q of t.queues.values()) if (q.suspended) clearTimeout(q.suspended.timer);
      t.close();
    }
  }

  private suspendQueue(t: Transport, q: DestQueue, dsn: string, reason: string): void {
    const timer = setTimeout(() => this.reviveQueue(t, q), this.opts.deadMs);
    timer.unref();
    q.suspended = { dsn, reason, timer } satisfies Suspension;
    t.ready.delete(q);
    this.sink.defer(q.todo.drain(), dsn, reason);
  }

  private reviveQueue(t: Transport, q: DestQueue, pump = true): void {
    if (!q.suspended) return;
    clearTimeout(q.suspended.timer);
    q.suspended = undefined;
    revive(q.state, t.settings.feedback, q.busy);
    if (t.settings.rateDelay > 0) q.state.window = 1;
    this.refresh(t, q);
    if (pump) this.pump();
  }

  private reviveTransport(t: Transport, pump = true): void {
    if (!t.suspended) return;
    clearTimeout(t.suspended.timer);
    t.suspended = undefined;
    if (t.canStart()) this.readyTransports.add(t);
    if (pump) this.pump();
  }

  /** refresh - re-evaluate a queue and its transport after a change. */
  private refresh(t: Transport, q: DestQueue): void {
    this.refreshQueue(t, q, Date.now());
    if (t.canStart()) this.readyTransports.add(t);
    else this.readyTransports.delete(t);
  }

  private refreshQueue(t: Transport, q: DestQueue, now: number): void {
    if (q.ready(now)) {
      if (!t.ready.has(q)) t.ready.add(q);
    } else {
      t.ready.delete(q);
      this.forget(t, q);
    }
  }

  /** forget - drop a queue that holds nothing (its window starts afresh next time). */
  private forget(t: Transport, q: DestQueue): void {
    if (q.idle() && t.queues.get(q.key) === q) t.queues.delete(q.key);
  }
}
