/*
 * postfix-control - the `postfix` commands that talk to a running master: start (daemonise
 * master, wait for its verdict), start-fg, stop, abort, reload, status, flush. Messages
 * keep the shape of Postfix's postfix-script (`postfix/postfix-script: ...` on stderr).
 * Reads: queue_directory, process_id_directory, maillog_file, daemon_directory,
 * mail_name, queue_service_name.
 */
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import {
  FLUSH_TRIGGER, isAlive, pidDirectory, readStatusFile, runningMaster, triggerService, type Config, type MasterStatus,
} from '@mailroom/global';
import { commandPath } from './submit-run.js';

const TAG = 'postfix/postfix-script';

/** say - a postfix-script line on stderr. */
export function say(text: string): void {
  process.stderr.write(`${TAG}: ${text}\n`);
}

/** die - a postfix-script fatal line, exit 1. */
export function die(text: string): never {
  say(`fatal: ${text}`);
  process.exit(1);
}

function system(config: Config): string {
  return `the ${config.get('mail_name')} mail system`;
}

function masterProgram(config: Config): string {
  return path.join(config.get('daemon_directory'), 'master', 'dist', 'main.js');
}

/** daemonLog - where a daemonised master writes: maillog_file, else $queue_directory/maillog. */
export function daemonLog(config: Config): string {
  return config.get('maillog_file') || path.join(config.get('queue_directory'), 'maillog');
}

function refuseIfRunning(config: Config): void {
  const pid = runningMaster(config);
  if (pid) die(`${system(config)} is already running (PID ${pid})`);
}

/**
 * tidyQueue - as Postfix does at every start: `postsuper -s -p` repairs the queue
 * structure (files in the wrong hash directory) and removes temporary files that a crash
 * left behind (a cleanup killed while writing). Its own messages go to the terminal; a
 * failure is reported but does not stop the start.
 */
function tidyQueue(config: Config): void {
  const postsuper = commandPath('postsuper');
  if (!postsuper) return;
  const r = spawnSync(postsuper, ['-c', config.configDir, '-s', '-p'], { stdio: ['ignore', 'inherit', 'inherit'], timeout: 600_000 });
  if (r.status !== 0) say(`warning: ${postsuper} -s -p failed (${r.error?.message ?? `exit ${r.status ?? r.signal}`}): starting anyway`);
}

/** start - daemonise master; succeed only when it reports a good start. */
export async function start(config: Config): Promise<void> {
  refuseIfRunning(config);
  tidyQueue(config);
  say(`starting ${system(config)}`);
  const log = fs.openSync(daemonLog(config), 'a', 0o644);
  const child = spawn(process.execPath, [masterProgram(config), '-c', config.configDir, '-w'], {
    detached: true,
    stdio: ['ignore', log, log, 'pipe'],
    cwd: '/',
  });
  fs.closeSync(log);
  const pipe = child.stdio[3] as NodeJS.ReadableStream;
  let verdict = '';
  pipe.setEncoding('utf8');
  pipe.on('data', (d: string) => (verdict += d));
  await new Promise<void>((resolve) => {
    pipe.on('close', resolve);
    child.on('exit', () => resolve());
  });
  if (verdict.trim() !== 'ok') {
    // As Postfix's `master -w`: master's own reason, then postfix-script's verdict.
    process.stderr.write(`${verdict.trim() || `master: fatal: exited during startup (see ${daemonLog(config)})`}\n`);
    die('mail system startup failed');
  }
  child.unref();
}

/** startForeground - run master here until it exits; signals are passed on. */
export async function startForeground(config: Config): Promise<never> {
  refuseIfRunning(config);
  tidyQueue(config);
  say(`starting ${system(config)}`);
  const child = spawn(process.execPath, [masterProgram(config), '-c', config.configDir], { stdio: 'inherit' });
  for (const sig of ['SIGTERM', 'SIGHUP', 'SIGQUIT', 'SIGINT'] as const) {
    process.on(sig, () => child.kill(sig));
  }
  const code = await new Promise<number>((resolve) => child.on('exit', (c, s) => resolve(c ?? (s ? 1 : 0))));
  process.exit(code);
}

function mustRun(config: Config): number {
  const pid = runningMaster(config);
  if (!pid) die(`${system(config)} is not running`);
  return pid;
}

async function waitGone(pid: number, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (!isAlive(pid)) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return !isAlive(pid);
}

/** stop - SIGTERM master; it retires every child and exits. Waits, then forces. */
export async function stop(config: Config, abort = false): Promise<void> {
  const pid = mustRun(config);
  say(`${abort ? 'aborting' : 'stopping'} ${system(config)}`);
  process.kill(pid, abort ? 'SIGQUIT' : 'SIGTERM');
  if (await waitGone(pid, 3_000)) return;
  say(`waiting for ${system(config)} to terminate`);
  if (await waitGone(pid, 15_000)) return;
  say(`warning: stopping ${system(config)} with force`);
  for (const target of [-pid, pid]) {
    try {
      process.kill(target, 'SIGKILL');
    } catch {
      // not a group leader (start-fg), or gone
    }
  }
  await waitGone(pid, 5_000);
}

/** reload - SIGHUP master: it re-reads the configuration, sockets stay open. */
export function reload(config: Config): void {
  const pid = mustRun(config);
  say(`refreshing ${system(config)}`);
  process.kill(pid, 'SIGHUP');
}

/** status - running or not (exit 1), and master's process table on stdout. */
export function status(config: Config): void {
  const pid = runningMaster(config);
  if (!pid) {
    say(`${system(config)} is not running`);
    process.exit(1);
  }
  say(`${system(config)} is running: PID: ${pid}`);
  const table = readStatusFile(pidDirectory(config));
  if (table && table.pid === pid) process.stdout.write(formatStatus(table));
}

/** formatStatus - one line per process (or per service without one). */
export function formatStatus(s: MasterStatus): string {
  const rows: string[][] = [['service', 'type', 'maxproc', 'pid', 'state', 'active', 'served']];
  for (const svc of s.services) {
    const limit = svc.maxproc === 0 ? 'unlimited' : String(svc.maxproc);
    const note = svc.error ? 'error' : svc.throttledUntil ? 'throttled' : 'none';
    if (svc.processes.length === 0) rows.push([svc.service, svc.type, limit, '-', note, '-', '-']);
    for (const p of svc.processes) rows.push([svc.service, svc.type, limit, String(p.pid), p.state, String(p.active), String(p.served)]);
  }
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows.map((r) => r.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd()).join('\n') + '\n';
}

/** flush - ask qmgr to retry deferred mail now (Postfix's mail_flush_deferred). */
export async function flush(config: Config): Promise<void> {
  mustRun(config);
  const service = `public/${config.get('queue_service_name')}`;
  try {
    await triggerService(config.get('queue_directory'), service, FLUSH_TRIGGER);
  } catch (err) {
    process.stderr.write(`postfix/postqueue: warning: Cannot flush mail queue - mail system is down (${(err as Error).message})\n`);
    process.exit(1);
  }
}
