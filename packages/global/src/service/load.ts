/*
 * service/load - a daemon's load as master sees it: clients now, clients served, and
 * `saturated`, meaning another process of this service would help:
 *   single-client and trigger servers: busy with one client (as Postfix's busy/idle);
 *   multi-client servers: clients present and the event loop busier than SATURATED_ELU
 *   over the last sample (Node serves many clients per process; CPU is what runs out).
 * Reports go to master immediately when `saturated` flips or the first client arrives,
 * otherwise at most once a second. Used by the skeleton.
 */
import { performance, type EventLoopUtilization } from 'node:perf_hooks';
import type { ChildReport } from './proto.js';

export type ServerShape = 'multi' | 'single' | 'trigger';

/** Event-loop utilisation above which a busy multi-client process counts as saturated. */
export const SATURATED_ELU = 0.8;
const SAMPLE_MS = 250;
const REPORT_MS = 1000;

/** LoadMeter - counts clients and tells master how loaded this process is. */
export class LoadMeter {
  active = 0;
  served = 0;
  saturated = false;
  private elu: EventLoopUtilization = performance.eventLoopUtilization();
  private busyLoop = false;
  private sampler: NodeJS.Timeout | undefined;
  private reportTimer: NodeJS.Timeout | undefined;
  private dirty = false;

  constructor(
    private readonly shape: ServerShape,
    private readonly send: (r: ChildReport) => void,
  ) {}

  /** begin - a client (connection or trigger) arrived. */
  begin(): void {
    this.active++;
    this.served++;
    if (this.shape === 'multi' && !this.sampler) {
      this.elu = performance.eventLoopUtilization();
      this.sampler = setInterval(() => this.sample(), SAMPLE_MS);
      this.sampler.unref();
    }
    this.update(this.served === 1);
  }

  /** end - a client is done. */
  end(): void {
    this.active--;
    if (this.active === 0 && this.sampler) {
      clearInterval(this.sampler);
      this.sampler = undefined;
      this.busyLoop = false;
    }
    this.update(false);
  }

  /** report - the current status message. */
  report(): ChildReport {
    return { t: 'status', active: this.active, served: this.served, saturated: this.saturated };
  }

  private sample(): void {
    const now = performance.eventLoopUtilization();
    this.busyLoop = performance.eventLoopUtilization(now, this.elu).utilization >= SATURATED_ELU;
    this.elu = now;
    this.update(false);
  }

  private update(urgent: boolean): void {
    const saturated = this.shape === 'multi' ? this.active > 0 && this.busyLoop : this.active > 0;
    if (saturated !== this.saturated || urgent) {
      this.saturated = saturated;
      this.flush();
      return;
    }
    this.dirty = true;
    if (!this.reportTimer) {
      this.reportTimer = setTimeout(() => this.flush(), REPORT_MS);
      this.reportTimer.unref();
    }
  }

  private flush(): void {
    if (this.reportTimer) clearTimeout(this.reportTimer);
    this.reportTimer = undefined;
    this.dirty = false;
    this.send(this.report());
  }

  /** pending - a report is waiting for its timer. */
  pending(): boolean {
    return this.dirty;
  }
}
