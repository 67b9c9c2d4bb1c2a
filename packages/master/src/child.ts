/*
 * child - one daemon process as master tracks it: spawned with its listening sockets as
 * fd 3.., Node's IPC channel after them for load reports, stdout/stderr on master's log
 * destination, argv[0] set to the master.cf command so `ps` shows `smtpd ...`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import os from 'node:os';
import { childReportCodec, ProtocolError, type ChildReport, type ProcessStatus } from '@mailroom/global';

export interface SpawnPlan {
  command: string;
  program: string;
  argv: string[];
  fds: number[];
  env: Record<string, string>;
  /** Where the child's stdout and stderr go: an open fd of the log, or master's own stderr. */
  logFd: number | 'inherit';
  cwd: string;
}

/** Child - a running daemon and what it last reported. */
export class Child {
  readonly proc: ChildProcess;
  readonly pid: number;
  readonly started = Date.now();
  ready = false;
  stopping = false;
  saturated = false;
  active = 0;
  served = 0;
  /** master asked it to go (reload, stop): its exit is no news. */
  retired = false;

  constructor(
    plan: SpawnPlan,
    readonly gen: number,
    onReport: (c: Child, r: ChildReport) => void,
    onBadReport: (c: Child, why: string) => void,
  ) {
    this.proc = spawn(process.execPath, [plan.program, ...plan.argv], {
      argv0: plan.command,
      cwd: plan.cwd,
      env: plan.env,
      stdio: ['ignore', plan.logFd, plan.logFd, ...plan.fds, 'ipc'],
      serialization: 'json',
    });
    this.pid = this.proc.pid ?? -1;
    this.proc.on('message', (m: unknown) => {
      let r: ChildReport;
      try {
        r = childReportCodec.check(m);
      } catch (err) {
        if (err instanceof ProtocolError) onBadReport(this, err.message);
        return;
      }
      this.apply(r);
      onReport(this, r);
    });
  }

  private apply(r: ChildReport): void {
    if (r.t === 'ready') this.ready = true;
    else if (r.t === 'stopping') this.stopping = true;
    else {
      this.active = r.active;
      this.served = r.served;
      this.saturated = r.saturated;
    }
  }

  /** signal - send a signal, ignoring a process that is already gone. */
  signal(sig: NodeJS.Signals): void {
    try {
      this.proc.kill(sig);
    } catch {
      // already reaped
    }
  }

  /** retire - ask it to stop accepting and finish (SIGTERM). */
  retire(): void {
    if (this.retired) return;
    this.retired = true;
    this.stopping = true;
    this.signal('SIGTERM');
  }

  /** status - its row in `postfix status`. */
  status(): ProcessStatus {
    const state = !this.ready ? 'starting' : this.stopping ? 'stopping' : this.saturated ? 'saturated' : this.active > 0 ? 'busy' : 'idle';
    return { pid: this.pid, state, active: this.active, served: this.served, started: this.started };
  }
}

/** exitText - Postfix's wording of how a process ended. */
export function exitText(code: number | null, signal: NodeJS.Signals | null): string {
  if (signal) return `killed by signal ${os.constants.signals[signal] ?? signal}`;
  return `exit status ${code ?? 0}`;
}
