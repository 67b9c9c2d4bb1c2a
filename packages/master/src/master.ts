/*
 * master - the supervisor: reads main.cf and master.cf, owns every listening socket,
 * runs one Service per master.cf line, re-reads everything on reload (unchanged sockets
 * stay open, so no client is refused), and writes the process table for `postfix status`.
 * Reads: queue_directory, process_id_directory, maillog_file, mail_owner,
 * service_throttle_time, import_environment, daemon_directory, default_process_limit.
 */
import fs from 'node:fs';
import {
  createLogger, isRoot, loadConfig, mailOwner, pidDirectory, readMasterCf, writeStatusFile,
  type Config, type Logger, type MasterStatus,
} from '@mailroom/global';
import { childEnvironment, serviceDef, type ServiceDef } from './services.js';
import { listenNow } from './listen-now.js';
import { setSocketOwner, socketPlan, type ServiceSockets } from './sockets.js';
import { Service, type MasterContext } from './supervisor.js';

/** How long `stop` lets children finish before they are killed. */
export const STOP_GRACE_MS = 10_000;
/** How long startup waits for the first process of each service to listen. */
const STARTUP_WAIT_MS = 10_000;

/** Master - one running instance. */
export class Master implements MasterContext {
  readonly log: Logger;
  config: Config;
  readonly services = new Map<string, Service>();
  private logFd: number | 'inherit' = 'inherit';
  private env: Record<string, string> = {};
  private statusTimer: NodeJS.Timeout | undefined;
  private readonly started = Date.now();
  stopping = false;

  constructor(readonly configDir: string) {
    this.config = loadConfig({ configDir });
    const file = this.config.get('maillog_file');
    this.log = createLogger({ service: 'master', file: file || undefined });
  }

  /** start - open every service's sockets and start its processes. */
  async start(): Promise<void> {
    this.prepare(this.config);
    const plan = await this.plan(this.config, new Map(), true);
    await this.listen(plan.map(([, socks]) => socks));
    for (const [def, socks] of plan) {
      const svc = new Service(this, def, socks);
      this.services.set(def.key, svc);
      svc.start();
    }
    this.changed();
    // Startup is complete when every service has a process serving (or cannot start):
    // connections made earlier wait in the listen queue.
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      Promise.all([...this.services.values()].map((s) => s.settled())),
      new Promise((r) => (timer = setTimeout(r, STARTUP_WAIT_MS))),
    ]);
    clearTimeout(timer);
  }

  /** reload - re-read main.cf and master.cf; keep what did not change open. */
  async reload(): Promise<void> {
    let config: Config;
    try {
      config = loadConfig({ configDir: this.configDir });
      readMasterCf(this.configDir);
    } catch (err) {
      this.log.warn(`warning: reload failed, keeping the running configuration: ${(err as Error).message}`);
      return;
    }
    this.log.info(`reload -- version ${config.get('mail_version')}, configuration ${this.configDir}`);
    this.prepare(config);
    this.config = config;
    const old = new Map([...this.services.values()].map((s) => [s.socks.key, s.socks] as const));
    const plan = await this.plan(config, old, false);
    const reused = new Set(old.values());
    await this.listen(plan.map(([, socks]) => socks).filter((socks) => !reused.has(socks)));
    const inUse = new Set(plan.map(([, socks]) => socks));
    const keep = new Set<string>();
    for (const [def, socks] of plan) {
      keep.add(def.key);
      const svc = this.services.get(def.key);
      if (svc) {
        const prev = svc.socks;
        svc.update(def, socks);
        if (!inUse.has(prev)) prev.close();
      } else {
        const fresh = new Service(this, def, socks);
        this.services.set(def.key, fresh);
        fresh.start();
      }
    }
    for (const [key, svc] of this.services) {
      if (keep.has(key)) continue;
      this.services.delete(key);
      // Its processes keep their own copies of the sockets until they finish.
      void svc.shutdown();
      if (!inUse.has(svc.socks)) svc.socks.close();
    }
    this.changed();
  }

  /** stop - retire every process, kill stragglers after STOP_GRACE_MS (0: at once). */
  async stop(graceMs = STOP_GRACE_MS): Promise<void> {
    this.stopping = true;
    const all = [...this.services.values()];
    const done = Promise.all(all.map((s) => s.shutdown(graceMs === 0)));
    const timer = setTimeout(() => all.forEach((s) => s.killAll()), graceMs);
    await done;
    clearTimeout(timer);
    for (const s of all) s.socks.close();
    if (this.statusTimer) clearTimeout(this.statusTimer);
    fs.rmSync(`${pidDirectory(this.config)}/master.status`, { force: true });
  }

  /** listen - new sockets start listening before their daemons (listen-now.ts). */
  private async listen(list: readonly ServiceSockets[]): Promise<void> {
    const failed = await listenNow(list.flatMap((s) => s.socks));
    // Not fatal: each daemon still listens when it starts, only later.
    if (failed) this.log.warn(`cannot make the service sockets listen before their daemons start: ${failed}`);
  }

  /** prepare - per-configuration state: socket owner, child environment, log destination. */
  private prepare(config: Config): void {
    if (isRoot()) {
      const owner = mailOwner(config.get('mail_owner'), `${config.configDir}/main.cf`);
      if (typeof owner === 'string') throw new Error(owner);
      setSocketOwner(owner);
    } else setSocketOwner(undefined);
    this.env = childEnvironment(config);
    const file = config.get('maillog_file');
    if (typeof this.logFd === 'number') fs.closeSync(this.logFd);
    this.logFd = file ? fs.openSync(file, 'a', 0o644) : 'inherit';
  }

  /** plan - definitions and sockets of every service; reuses `old` sockets with the same key.
   *  `strict` (startup): a socket that cannot be opened is fatal, as in Postfix. */
  private async plan(config: Config, old: Map<string, ServiceSockets>, strict: boolean): Promise<[ServiceDef, ServiceSockets][]> {
    const out: [ServiceDef, ServiceSockets][] = [];
    for (const entry of readMasterCf(this.configDir)) {
      const where = `${entry.file}:${entry.line}: service ${entry.service}/${entry.type}`;
      try {
        const def = serviceDef(entry, config);
        const p = await socketPlan(entry, config);
        const socks = old.get(p.key) ?? p.open();
        out.push([def, socks]);
      } catch (err) {
        if (strict) {
          for (const [, socks] of out) socks.close();
          throw new Error(`${where}: ${(err as Error).message}`);
        }
        this.log.error(`error: ${where}: ${(err as Error).message} -- service not started`);
      }
    }
    return out;
  }

  spawnBase(): { env: Record<string, string>; logFd: number | 'inherit'; cwd: string } {
    return { env: this.env, logFd: this.logFd, cwd: this.config.get('queue_directory') };
  }

  throttleMs(): number {
    return this.config.getTime('service_throttle_time') * 1000;
  }

  /** changed - rewrite the status file soon (coalesced). */
  changed(): void {
    if (this.statusTimer || this.stopping) return;
    this.statusTimer = setTimeout(() => {
      this.statusTimer = undefined;
      try {
        writeStatusFile(pidDirectory(this.config), this.status());
      } catch (err) {
        this.log.warn(`warning: cannot write status file: ${(err as Error).message}`);
      }
    }, 100);
  }

  /** status - the process table. */
  status(): MasterStatus {
    return {
      pid: process.pid,
      configDir: this.configDir,
      started: this.started,
      updated: Date.now(),
      services: [...this.services.values()].map((s) => s.status()),
    };
  }
}
