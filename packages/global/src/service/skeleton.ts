/*
 * service/skeleton - what every daemon shares (Postfix's mail_server skeletons): take the
 * inherited listening sockets (fd 3..), load the configuration with the service's `-o`
 * overrides, log under the program name, drop privileges, exit after `max_idle` seconds
 * idle or `max_use` clients, stop accepting and finish in-flight work on SIGTERM (or when
 * master goes away), and report load to master. The three shapes (multi.ts, single.ts,
 * trigger.ts) only decide what one client is.
 * Reads: queue_directory, maillog_file, mail_owner, max_idle, max_use.
 */
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { ConfigError, type Config } from '../config/types.js';
import { loadConfig } from '../config/load.js';
import type { ServiceType } from '../config/mastercf.js';
import { createLogger, type Logger } from '../log.js';
import { parseServiceArgs } from './args.js';
import { LoadMeter, type ServerShape } from './load.js';
import { dropPrivileges, isRoot, mailOwner } from './privileges.js';
import { LISTEN_FD, type ChildReport, type StoppingReport } from './proto.js';

/** What a daemon's handlers see. */
export interface ServiceContext {
  /** Program name (`smtpd`), used in log lines. */
  readonly name: string;
  /** The master.cf command this process was started as (argv[0]: `lmtp` for the smtp package). */
  readonly command: string;
  /** master.cf service name and type. */
  readonly service: string;
  readonly type: ServiceType;
  /** master.cf arguments other than `-o`. */
  readonly args: readonly string[];
  readonly config: Config;
  readonly log: Logger;
  readonly queueDir: string;
  /** True once the process accepts no more clients: finish what is running. */
  readonly stopping: boolean;
  /** Log `fatal: text` and exit 1: the environment is unusable (master throttles restarts). */
  fatal(text: string): never;
}

/** Hooks every shape accepts. */
export interface ServiceHooks {
  /** Program name for logs. */
  name: string;
  /** Before privileges are dropped (open root-only files here). A throw is fatal. */
  preInit?(ctx: ServiceContext): void | Promise<void>;
  /** After privileges are dropped, before the first client. A throw is fatal. */
  postInit?(ctx: ServiceContext): void | Promise<void>;
  /** Accepting has stopped: ask long clients to finish (e.g. 421 at the next command). */
  onStop?(ctx: ServiceContext): void;
  /** false: never exit for being idle (qmgr). */
  idleExit?: boolean;
  /** false: ignore max_use (qmgr). */
  useLimit?: boolean;
}

/** Called for each accepted connection with the meter's begin already counted. */
export type AcceptFn = (sock: net.Socket, rt: ServiceRuntime) => void;

/** ServiceRuntime - one daemon process: sockets, timers, signals and load reports. */
export class ServiceRuntime implements ServiceContext {
  readonly name: string;
  readonly command: string;
  readonly service: string;
  readonly type: ServiceType;
  readonly args: readonly string[];
  readonly config: Config;
  readonly log: Logger;
  readonly queueDir: string;
  stopping = false;
  readonly meter: LoadMeter;
  private readonly servers: net.Server[] = [];
  private idleTimer: NodeJS.Timeout | undefined;
  private readonly sockets: number;
  private readonly unpriv: boolean;
  private readonly maxIdleMs: number;
  private readonly maxUse: number;

  constructor(
    readonly hooks: ServiceHooks,
    shape: ServerShape,
    argv: readonly string[],
  ) {
    const a = parseServiceArgs(argv);
    this.name = hooks.name;
    this.command = path.basename(process.argv0);
    this.service = a.service || hooks.name;
    this.type = a.type;
    this.args = a.args;
    this.sockets = a.sockets;
    this.unpriv = a.unpriv;
    this.config = loadConfig({ configDir: process.env.MAIL_CONFIG || undefined, overrides: a.overrides });
    // Under master, standard error already is the log (master opened maillog_file for us,
    // so an unprivileged child needs no permission on it); run by hand, open the file.
    const file = typeof process.send === 'function' ? '' : this.config.get('maillog_file');
    this.log = createLogger({ service: hooks.name, file: file || undefined, sync: false, level: a.verbose ? 'debug' : 'info' });
    this.queueDir = this.config.get('queue_directory');
    this.maxIdleMs = hooks.idleExit === false ? 0 : this.config.getTime('max_idle') * 1000;
    this.maxUse = hooks.useLimit === false ? 0 : this.config.getInt('max_use');
    this.meter = new LoadMeter(shape, (r) => this.report(r));
  }

  /** start - initialise, drop privileges, listen on the inherited sockets. */
  async start(accept: AcceptFn): Promise<void> {
    try {
      process.chdir(this.queueDir);
    } catch (err) {
      this.fatal(`chdir(${this.queueDir}): ${(err as Error).message}`);
    }
    await this.initHook(this.hooks.preInit);
    if (this.unpriv && isRoot()) {
      const owner = mailOwner(this.config.get('mail_owner'), `${this.config.configDir}/main.cf`);
      if (typeof owner === 'string') this.fatal(owner);
      dropPrivileges(owner);
    }
    await this.initHook(this.hooks.postInit);
    process.on('SIGTERM', () => this.stop('signal'));
    process.on('SIGINT', () => this.stop('signal')); // Ctrl-C on `postfix start-fg` reaches us too
    process.on('SIGHUP', () => {}); // a reload is master's business
    process.on('disconnect', () => this.stop('master'));
    // Master may have died while this process was starting: the event is gone then, and a
    // process that went on to listen would hold the service's socket until max_idle.
    if (process.send && !process.connected) {
      this.stop('master');
      return;
    }
    for (let i = 0; i < this.sockets; i++) {
      const server = net.createServer((sock) => {
        if (this.stopping) {
          sock.destroy(); // raced with close(): master's other processes take the next ones
          return;
        }
        this.clearIdle();
        this.meter.begin();
        accept(sock, this);
        if (this.maxUse > 0 && this.meter.served >= this.maxUse) this.stop('use');
      });
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen({ fd: LISTEN_FD + i }, () => resolve());
      }).catch((err: Error) => this.fatal(`listen on inherited socket fd ${LISTEN_FD + i}: ${err.message}`));
      server.on('error', (err) => this.log.warn(`accept: ${err.message}`));
      this.servers.push(server);
      if (this.stopping) server.close(); // stopped (master gone) while this one was opening
    }
    this.report({ t: 'ready' });
    this.log.debug(`daemon started -- service ${this.service}/${this.type}`);
    this.armIdle();
  }

  /** done - a client is finished (connection closed, trigger handled). */
  done(): void {
    this.meter.end();
    if (this.meter.active > 0) return;
    if (this.stopping) this.exit(0);
    else this.armIdle();
  }

  /** stop - accept no more clients, let in-flight work finish, then exit. */
  stop(reason: StoppingReport['reason']): void {
    if (this.stopping) return;
    this.stopping = true;
    this.clearIdle();
    this.report({ t: 'stopping', reason });
    this.log.debug(`stop accepting -- ${reason}`);
    for (const s of this.servers) s.close();
    this.hooks.onStop?.(this);
    if (this.meter.active === 0) this.exit(0);
  }

  /** initHook - run preInit/postInit; a bad table or parameter there ends the process. */
  private async initHook(hook: ((ctx: ServiceContext) => void | Promise<void>) | undefined): Promise<void> {
    try {
      await hook?.(this);
    } catch (err) {
      this.fatal((err as Error).message);
    }
  }

  /** fatal - log `fatal: text` and exit 1 (environment unusable). */
  fatal(text: string): never {
    fatalExit(this.name, text);
  }

  /** exit - flush the log, then leave. */
  exit(code: number): void {
    const timer = setTimeout(() => process.exit(code), 1000);
    this.log.flush(() => {
      clearTimeout(timer);
      process.exit(code);
    });
  }

  private report(r: ChildReport): void {
    if (process.send && process.connected) process.send(r);
  }

  private armIdle(): void {
    this.clearIdle();
    if (this.maxIdleMs <= 0 || this.stopping || this.meter.active > 0) return;
    this.idleTimer = setTimeout(() => this.stop('idle'), this.maxIdleMs);
  }

  private clearIdle(): void {
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.idleTimer = undefined;
  }
}

/** fatalExit - one log line written synchronously to standard error (master's log), exit 1. */
function fatalExit(service: string, text: string): never {
  const line = { level: 'fatal', time: new Date().toISOString(), service, pid: process.pid, msg: `fatal: ${text}` };
  fs.writeSync(2, `${JSON.stringify(line)}\n`);
  process.exit(1);
}

/** runService - build the runtime and start it; a broken configuration is fatal. */
export function runService(hooks: ServiceHooks, shape: ServerShape, accept: AcceptFn): Promise<ServiceRuntime> {
  let rt: ServiceRuntime;
  try {
    rt = new ServiceRuntime(hooks, shape, process.argv.slice(2));
  } catch (err) {
    fatalExit(hooks.name, err instanceof ConfigError ? err.message : (err as Error).message);
  }
  return rt.start(accept).then(() => rt);
}
