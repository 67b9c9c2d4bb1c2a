/*
 * qmgr/qmgr - the queue manager: the active queue in memory and the wiring between
 * the feeder (incoming/ and deferred/ into active/), routing (trivial-rewrite), the
 * scheduler (destination queues, concurrency), the delivery agents and the end of each
 * attempt (notices, removal, deferral). Triggers are parsed by qmgr/trigger.ts;
 * deferred/ is also scanned every queue_run_delay; at start, once it is the only qmgr
 * (qmgr/instance.ts), files left in active/ are recovered first (those a delivery agent
 * of the previous qmgr still holds once it lets go of them).
 */
import {
  clearStaleLocks, latestByRecipient, queueDirectories, readMasterCf, readStatusLog, recoverActive, removeStatusLog,
  RewriteClient, queueLogger, spoolFromConfig,
  type AddressResolver, type QueueLock, type ServiceContext, type Spool, type StatusRecord,
} from '@mailroom/global';
import { dispatchEntry, type DispatchContext } from './dispatch.js';
import { Feeder, type Taken } from './feed.js';
import { finishMessage } from './finish.js';
import { flushFile } from './flush-file.js';
import { DRAIN_MS, takeInstanceLock } from './instance.js';
import { Message } from './message.js';
import { Notifier } from './notify.js';
import type { Entry } from './queue.js';
import { qmgrResults, recordResults, type RecordContext } from './results.js';
import { routeMessage } from './route.js';
import { Scheduler, type SchedulerSink } from './scheduler.js';
import { qmgrSettings, transportSettings, type QmgrSettings } from './settings.js';
import type { Transport } from './transport.js';
import { transportSocket } from './transport.js';
import { parseTrigger } from './trigger.js';

/** How often files still held by a previous qmgr's deliveries are looked at again. */
const BUSY_RETRY_MS = 1000;

export interface QmgrOptions {
  /** Resolver to use instead of trivial-rewrite (tests). */
  resolver?: AddressResolver;
}

export class Qmgr implements SchedulerSink {
  readonly spool: Spool;
  readonly settings: QmgrSettings;
  readonly scheduler: Scheduler;
  readonly feeder: Feeder;
  /** The active queue: messages in memory (null while one is being moved in). */
  readonly active = new Map<string, Message | null>();
  private recipients = 0;
  private readonly resolver: AddressResolver;
  private readonly notifier: Notifier;
  private readonly services: ReadonlySet<string>;
  private readonly recordCtx: RecordContext;
  private readonly dispatchCtx: DispatchContext;
  private pumpQueued = false;
  private runTimer: NodeJS.Timeout | undefined;
  private busyTimer: NodeJS.Timeout | undefined;
  /** Files recoverActive() moved back to incoming/ at start, or postqueue -i from deferred/ (they may have logs). */
  private recovered = new Set<string>();
  /** Files postqueue -i moved to incoming/: delivered as flushed once admitted. */
  private readonly flushed = new Set<string>();
  private lock: QueueLock | undefined;
  /** start() has recovered active/: scans may run. */
  private ready = false;
  /** Stopping: no new work; `drained` is called once nothing is in flight. */
  private stopping = false;
  private drained: (() => void) | undefined;
  /** Results being recorded and messages being finished (a drain waits for them). */
  private work = 0;

  constructor(
    private readonly ctx: ServiceContext,
    opts: QmgrOptions = {},
  ) {
    const { config, log } = ctx;
    this.spool = spoolFromConfig(config);
    this.settings = qmgrSettings(config);
    const master = readMasterCf(config.configDir);
    this.services = new Set(master.filter((e) => e.type === 'unix').map((e) => e.service));
    this.resolver = opts.resolver ?? RewriteClient.fromConfig(config);
    this.notifier = new Notifier(ctx.queueDir, this.settings.bounceService, this.settings.ipc);
    this.scheduler = new Scheduler(
      {
        transport: (name) => ({ settings: transportSettings(config, name, master, log), socket: transportSocket(ctx.queueDir, name) }),
        ipc: this.settings.ipc,
        deadMs: this.settings.minBackoff * 1000,
        transportRetryMs: this.settings.transportRetryTime * 1000,
      },
      this,
    );
    this.recordCtx = { spool: this.spool, finish: (m) => this.finish(m) };
    this.dispatchCtx = { scheduler: this.scheduler, record: (...args) => this.record(...args), log, pump: () => this.schedulePump() };
    this.feeder = new Feeder({
      spool: this.spool,
      log,
      activeLimit: this.settings.activeLimit,
      recipientLimit: this.settings.recipientLimit,
      has: (id) => this.active.has(id),
      load: () => ({ messages: this.active.size, recipients: this.recipients }),
      reserve: (id, n) => {
        this.active.set(id, null);
        this.recipients += n;
      },
      unreserve: (id, n) => {
        this.active.delete(id);
        this.recipients -= n;
      },
      admit: (taken) => this.admit(taken),
    });
  }

  /**
   * start - wait to be the only qmgr, recover active/, scan both queues, run the
   * deferred timer. Triggers that come meanwhile are remembered.
   */
  async start(): Promise<void> {
    this.lock = await takeInstanceLock(this.spool, this.ctx.log);
    if (this.stopping) {
      this.lock.release();
      return;
    }
    const rec = await recoverActive(this.spool, this.ctx.log);
    this.recovered = new Set(rec.moved);
    if (rec.busy.length > 0) this.recoverBusy(new Set(rec.busy));
    this.feeder.request('incoming');
    this.feeder.request('deferred');
    this.ready = !this.stopping;
    this.feeder.kick();
    this.runTimer = setInterval(() => {
      this.feeder.request('deferred');
      this.feeder.kick();
      void this.clearStaleHolds();
    }, this.settings.queueRunDelay * 1000);
    this.runTimer.unref();
  }

  /**
   * recoverBusy - files in active/ that a previous qmgr's delivery agents were still
   * delivering from at start: moved to incoming/ (and taken in) once their holds are gone.
   */
  private recoverBusy(busy: Set<string>): void {
    this.busyTimer = setTimeout(() => {
      this.busyTimer = undefined;
      if (this.stopping) return;
      recoverActive(this.spool, this.ctx.log, busy).then(
        (r) => {
          for (const id of r.moved) this.recovered.add(id);
          if (r.moved.length > 0) {
            this.feeder.request('incoming');
            if (this.ready) this.feeder.kick();
          }
          if (r.busy.length > 0) this.recoverBusy(new Set(r.busy));
        },
        (err: Error) => {
          this.ctx.log.warn(`recover active queue: ${err.message}`);
          this.recoverBusy(busy);
        },
      );
    }, BUSY_RETRY_MS);
    this.busyTimer.unref();
  }

  /** clearStaleHolds - the holds a killed delivery agent left in active/ (they only take room). */
  private async clearStaleHolds(): Promise<void> {
    try {
      for (const dir of await queueDirectories(this.spool, 'active')) clearStaleLocks(dir);
    } catch (err) {
      this.ctx.log.warn(`clear stale locks: ${(err as Error).message}`);
    }
  }

  /** stop - timers, connections and the instance lock. */
  stop(): void {
    if (this.busyTimer) clearTimeout(this.busyTimer);
    if (this.runTimer) clearInterval(this.runTimer);
    this.scheduler.close();
    this.notifier.close();
    this.lock?.release();
  }

  /**
   * drain - take no more work; call `done` when the deliveries in flight have answered
   * (or after DRAIN_MS). Returns false when nothing is in flight (done is not called).
   */
  drain(done: () => void): boolean {
    this.stopping = true;
    this.ready = false;
    this.feeder.stop();
    if (this.runTimer) clearInterval(this.runTimer);
    if (this.work === 0 && this.scheduler.stats().busy === 0) {
      this.stop();
      return false;
    }
    let called = false;
    this.drained = () => {
      if (called) return;
      called = true;
      this.stop();
      done();
    };
    setTimeout(() => this.drained?.(), DRAIN_MS).unref();
    return true;
  }

  /** trigger - one trigger request's bytes (qmgr/trigger.ts). */
  trigger(data: Buffer): void {
    if (this.stopping) return;
    const req = parseTrigger(data.toString('latin1'));
    for (const ch of req.unknown) this.ctx.log.warn(`ignoring unknown trigger request: ${JSON.stringify(ch)}`);
    if (req.reviveAll) this.scheduler.reviveAll();
    if (req.site) this.scheduler.reviveSite(req.site);
    if (req.file) void this.flushOne(req.file);
    if (req.incoming) this.feeder.request('incoming', req.flags);
    if (req.deferred) this.feeder.request('deferred', req.flags);
    if (this.ready) this.feeder.kick();
  }

  /** flushOne - postqueue -i: the message to incoming/ (qmgr/flush-file.ts), its destinations revived. */
  private async flushOne(id: string): Promise<void> {
    if (this.active.has(id)) return;
    try {
      const done = await flushFile(this.spool, id, this.ctx.log);
      if (!done || this.stopping) return;
      // It was deferred: its defer log describes the last attempt, which admit() clears;
      // it is delivered as flushed (its destinations unthrottled, defer_transports ignored).
      this.recovered.add(id);
      this.flushed.add(id);
      for (const d of done.domains) this.scheduler.reviveSite(d);
      this.feeder.request('incoming');
      if (this.ready) this.feeder.kick();
    } catch (err) {
      this.ctx.log.warn(`${id}: flush: ${(err as Error).message}`);
    }
  }

  /** admit - files just moved into active/: log, route, schedule. */
  private admit(taken: readonly Taken[]): void {
    const now = Date.now();
    for (const t of taken) {
      const id = t.file.id;
      const history = t.queue === 'deferred' || this.recovered.delete(id) || t.file.recipients.some((r) => r.done);
      const byId = this.flushed.delete(id);
      const m = new Message(t.file, t.activePath, now, queueLogger(this.ctx.log, id), byId || Boolean(t.flags.flush), history);
      if (byId || t.flags.sitesOnly) m.unthrottle = true;
      this.active.set(id, m);
      const previous = history && t.file.forceExpire ? latestByRecipient(readStatusLog(this.spool, 'defer', id)) : [];
      // The defer log describes the last attempt only; this one starts afresh.
      if (history) removeStatusLog(this.spool, 'defer', id);
      m.log.info(`${m.id}: from=<${m.file.sender}>, size=${m.file.contentSize}, nrcpt=${m.file.recipients.length} (queue active)`);
      if (t.file.forceExpire) this.expireNow(m, previous, now);
      else void this.route(m);
    }
  }

  /**
   * expireNow - forced expiration (Postfix 3.5 postsuper -e/-f): no delivery attempt;
   * every recipient left is returned to the sender with its last deferral reason, or
   * `4.7.0 message is administratively expired` (finish.ts sends the notice).
   */
  private expireNow(m: Message, previous: readonly StatusRecord[], now: number): void {
    for (const r of m.pending()) {
      const last = previous.find((p) => p.offset === r.offset) ?? previous.find((p) => p.offset === undefined && p.recipient === r.address);
      m.delays.push(last ? { ...last, action: 'delayed', time: now } : {
        recipient: r.address, original: r.original, orcpt: r.orcpt, notify: r.notify, offset: r.offset,
        dsn: '4.7.0', action: 'delayed', reason: 'message is administratively expired', time: now,
      });
    }
    m.deferred = true;
    m.forceExpired = true;
    this.finish(m);
  }

  private async route(m: Message): Promise<void> {
    m.outstanding++; // until every recipient is queued
    try {
      const own = await routeMessage(
        {
          resolver: this.resolver,
          deferTransports: this.settings.deferTransports,
          hasService: (t) => this.services.has(t),
          enqueue: (msg, t, nexthop, routed) => this.scheduler.enqueue(msg, t, nexthop, routed),
        },
        m,
      );
      for (const v of own) {
        m.outstanding += v.routed.length;
        this.record(m, v.transport, v.nexthop, v.routed, v.results, true);
      }
    } catch (err) {
      m.log.error(`${m.id}: routing: ${(err as Error).stack ?? String(err)}`);
      m.deferred = true;
    }
    if (--m.outstanding === 0) this.finish(m);
    this.schedulePump();
  }

  /** dispatch - SchedulerSink: send one delivery request. */
  dispatch(entry: Entry, t: Transport): void {
    dispatchEntry(this.dispatchCtx, entry, t);
  }

  /** defer - SchedulerSink: entries deferred without an attempt (dead destination or transport). */
  defer(entries: readonly Entry[], dsn: string, reason: string): void {
    for (const e of entries) {
      this.record(e.message, e.queue.transport, e.queue.nexthop, e.recipients, qmgrResults(e.recipients, 'deferred', dsn, reason), true);
    }
  }

  private finish(m: Message): void {
    if (m.finishing) return;
    m.finishing = true;
    this.work++;
    void finishMessage({ spool: this.spool, settings: this.settings, notifier: this.notifier }, m).finally(() => {
      this.work--;
      this.active.delete(m.id);
      this.recipients -= m.weight;
      if (this.ready && !this.stopping) this.feeder.kick();
      if (this.stopping) this.schedulePump();
    });
  }

  /** record - recordResults(), counted as work in progress. */
  private record(...args: Parameters<typeof recordResults> extends [unknown, ...infer R] ? R : never): void {
    this.work++;
    void recordResults(this.recordCtx, ...args).finally(() => {
      this.work--;
      if (this.stopping) this.schedulePump();
    });
  }

  private schedulePump(): void {
    if (this.pumpQueued) return;
    this.pumpQueued = true;
    setImmediate(() => {
      this.pumpQueued = false;
      if (!this.stopping) this.scheduler.pump();
      else if (this.work === 0 && this.scheduler.stats().busy === 0) this.drained?.();
    });
  }
}
