/*
 * supervisor - the processes of one master.cf service: keep one process accepting at all
 * times (Node cannot watch a listening socket without accepting, so master cannot start
 * processes on demand as Postfix's does), start another when every running one reports
 * saturated, never more than maxproc; restart crashed processes, throttling a service
 * whose processes fail at startup (or crash in a loop) for service_throttle_time; on
 * reload start the new generation first, then retire the old one. Wakeups: wakeup.ts.
 * Reads (via MasterContext): service_throttle_time.
 */
import fs from 'node:fs';
import { formatServiceArgs, type ChildReport, type Logger, type ServiceStatus } from '@mailroom/global';
import { Child, exitText, type SpawnPlan } from './child.js';
import type { ServiceDef } from './services.js';
import type { ServiceSockets } from './sockets.js';
import { WakeupTimer } from './wakeup.js';

/** What a supervisor needs from master. */
export interface MasterContext {
  readonly log: Logger;
  /** Base of every spawn: environment, log fd, working directory. */
  spawnBase(): Pick<SpawnPlan, 'env' | 'logFd' | 'cwd'>;
  throttleMs(): number;
  /** The process table changed (status file). */
  changed(): void;
}

/** Crashes within CRASH_WINDOW_MS that count as a crash loop. */
const CRASH_LOOP = 5;
const CRASH_WINDOW_MS = 10_000;
/** Time a new generation gets to come up before the old one is retired anyway. */
const HANDOVER_MS = 10_000;

export class Service {
  readonly children = new Map<number, Child>();
  private gen = 0;
  private throttledUntil = 0;
  private throttleTimer: NodeJS.Timeout | undefined;
  private readonly wakeup = new WakeupTimer();
  private handoverTimer: NodeJS.Timeout | undefined;
  private crashes: number[] = [];
  private used = false;
  private missingLogged = false;
  private down = false;
  private waiters: (() => void)[] = [];

  constructor(
    private readonly ctx: MasterContext,
    public def: ServiceDef,
    public socks: ServiceSockets,
  ) {}

  /** start - the first process and the wakeup timer. */
  start(): void {
    this.armWakeup();
    this.ensure();
  }

  /** settled - resolves once a process listens (the socket then queues clients), or the
   *  service is throttled or broken. */
  settled(): Promise<void> {
    if ([...this.children.values()].some((c) => c.ready) || this.throttledUntil > Date.now()) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  /** update - a reload: new definition and sockets; new processes first, then retire old. */
  update(def: ServiceDef, socks: ServiceSockets): void {
    this.def = def;
    this.socks = socks;
    this.gen++;
    this.missingLogged = false;
    this.throttledUntil = 0;
    this.armWakeup();
    if (this.handoverTimer) clearTimeout(this.handoverTimer);
    this.handoverTimer = setTimeout(() => this.retireOld(), HANDOVER_MS);
    this.ensure();
  }

  /** shutdown - retire every process (SIGTERM), or kill them (abort); resolves when all are gone. */
  shutdown(kill = false): Promise<void> {
    this.down = true;
    this.clearTimers();
    for (const c of this.children.values()) {
      if (kill) {
        c.retired = true;
        c.signal('SIGKILL');
      } else c.retire();
    }
    return this.drained();
  }

  /** killAll - SIGKILL what is still running (stop's grace period is over). */
  killAll(): void {
    for (const c of this.children.values()) {
      c.retired = true;
      c.signal('SIGKILL');
    }
  }

  /** drained - resolves when no process is left. */
  drained(): Promise<void> {
    const waits = [...this.children.values()].map(
      (c) => new Promise<void>((resolve) => (c.proc.exitCode !== null || c.proc.signalCode !== null ? resolve() : c.proc.once('exit', () => resolve()))),
    );
    return Promise.all(waits).then(() => undefined);
  }

  /** ensure - start a process if the service needs one now. */
  ensure(): void {
    if (this.down || Date.now() < this.throttledUntil) return;
    const current = [...this.children.values()].filter((c) => c.gen === this.gen);
    const accepting = current.filter((c) => !c.stopping);
    const limit = this.def.maxproc > 0 ? this.def.maxproc : Infinity;
    if (current.length >= limit) return;
    if (accepting.length > 0) {
      if (accepting.some((c) => !c.ready)) return; // one start at a time
      if (!accepting.every((c) => c.saturated)) return;
    }
    this.spawn();
  }

  private spawn(): void {
    const { entry, program } = this.def;
    if (!fs.existsSync(program)) {
      if (!this.missingLogged) {
        this.ctx.log.warn(`service ${this.def.key}: cannot execute ${program}: No such file or directory -- throttling`);
        this.missingLogged = true;
      }
      this.throttle();
      return;
    }
    this.missingLogged = false;
    const argv = formatServiceArgs({
      service: entry.service,
      type: entry.type,
      unpriv: this.def.unpriv,
      sockets: this.socks.socks.length,
      verbose: false,
      overrides: entry.overrides,
      args: entry.args,
    });
    const plan: SpawnPlan = {
      ...this.ctx.spawnBase(),
      command: entry.command,
      program,
      argv,
      fds: this.socks.socks.map((s) => s.fd),
    };
    const child = new Child(plan, this.gen, (c, r) => this.onReport(c, r), (c, why) => {
      this.ctx.log.warn(`warning: process ${program} pid ${c.pid}: bad status message: ${why}`);
    });
    if (child.pid < 0) {
      child.proc.once('error', (err) => this.ctx.log.warn(`service ${this.def.key}: spawn ${program}: ${err.message}`));
      this.throttle();
      return;
    }
    this.children.set(child.pid, child);
    child.proc.on('exit', (code, signal) => this.onExit(child, code, signal));
    this.ctx.changed();
  }

  private onReport(c: Child, r: ChildReport): void {
    if (r.t === 'status' && r.served > 0) this.used = true;
    if (r.t === 'ready') this.wake();
    if (r.t === 'ready' && c.gen === this.gen && this.hasOld()) this.retireOld();
    this.ensure();
    this.ctx.changed();
  }

  private hasOld(): boolean {
    return [...this.children.values()].some((c) => c.gen < this.gen && !c.retired);
  }

  private retireOld(): void {
    if (this.handoverTimer) clearTimeout(this.handoverTimer);
    this.handoverTimer = undefined;
    for (const c of this.children.values()) if (c.gen < this.gen) c.retire();
  }

  private onExit(c: Child, code: number | null, signal: NodeJS.Signals | null): void {
    this.children.delete(c.pid);
    const abnormal = signal !== null || code !== 0;
    if (abnormal && !c.retired && !this.down) {
      this.ctx.log.warn(`warning: process ${this.def.program} pid ${c.pid} ${exitText(code, signal)}`);
      const now = Date.now();
      this.crashes = [...this.crashes.filter((t) => now - t < CRASH_WINDOW_MS), now];
      if (!c.ready || this.crashes.length >= CRASH_LOOP) {
        this.ctx.log.warn(`warning: ${this.def.program}: bad command startup -- throttling`);
        this.throttle();
      }
    }
    this.ensure();
    this.ctx.changed();
  }

  private throttle(): void {
    const ms = this.ctx.throttleMs();
    this.throttledUntil = Date.now() + ms;
    this.crashes = [];
    this.wake();
    if (this.throttleTimer) clearTimeout(this.throttleTimer);
    this.throttleTimer = setTimeout(() => {
      this.throttleTimer = undefined;
      this.throttledUntil = 0;
      this.ensure();
      this.ctx.changed();
    }, ms);
    this.ctx.changed();
  }

  private armWakeup(): void {
    const { wakeup, wakeupConditional } = this.def.entry;
    this.wakeup.arm(this.def.key, wakeup, wakeupConditional, this.socks.target, () => this.used, this.ctx.log);
  }

  private clearTimers(): void {
    for (const t of [this.throttleTimer, this.handoverTimer]) if (t) clearTimeout(t);
    this.wakeup.stop();
    this.throttleTimer = this.handoverTimer = undefined;
  }

  /** status - the service's part of `postfix status`. */
  status(): ServiceStatus {
    const e = this.def.entry;
    const s: ServiceStatus = {
      service: e.service,
      type: e.type,
      command: e.command,
      maxproc: this.def.maxproc,
      processes: [...this.children.values()].map((c) => c.status()),
    };
    if (this.throttledUntil > Date.now()) s.throttledUntil = this.throttledUntil;
    if (this.missingLogged) s.error = `cannot execute ${this.def.program}`;
    return s;
  }
}
