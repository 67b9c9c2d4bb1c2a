/*
 * service/pidfile - master's lock file `$queue_directory/$process_id_directory/master.pid`
 * (Postfix format: the PID right-aligned in ten columns). Node has no flock(), so the file
 * is claimed atomically with link(2) and a stale one (its process gone, or not a master)
 * is replaced. Used by master (claim/remove) and `postfix` (start/stop/status/reload).
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Config } from '../config/types.js';

/** pidDirectory - $queue_directory/$process_id_directory (absolute as given). */
export function pidDirectory(config: Config): string {
  return path.resolve(config.get('queue_directory'), config.get('process_id_directory'));
}

/** masterPidFile - the master lock file of an instance. */
export function masterPidFile(config: Config): string {
  return path.join(pidDirectory(config), 'master.pid');
}

/** readPidFile - the PID in `file`, or undefined when absent or garbled. */
export function readPidFile(file: string): number | undefined {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
  const pid = Number(text.trim());
  return Number.isInteger(pid) && pid > 0 ? pid : undefined;
}

/** isAlive - the process exists and is not a zombie waiting for its (adoptive) parent. */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  try {
    // `pid (comm) S ...`: a daemonised master's zombie lingers until init reaps it.
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return !fs.existsSync('/proc/self/stat'); // no /proc: trust kill(0)
  }
}

/** isMasterProcess - `pid` is alive and, where /proc tells, runs our master. */
export function isMasterProcess(pid: number): boolean {
  if (!isAlive(pid)) return false;
  try {
    const cmd = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    return /master/.test(cmd);
  } catch {
    return true; // no /proc: trust the lock file
  }
}

/** runningMaster - the PID of this instance's live master, if any. */
export function runningMaster(config: Config): number | undefined {
  const pid = readPidFile(masterPidFile(config));
  return pid !== undefined && isMasterProcess(pid) ? pid : undefined;
}

/** claimPidFile - write our PID unless a live master holds the file; returns the holder. */
export function claimPidFile(file: string, pid = process.pid): { ok: true } | { ok: false; pid: number } {
  const tmp = `${file}.${pid}`;
  fs.writeFileSync(tmp, `${String(pid).padStart(10)}\n`, { mode: 0o644 });
  try {
    for (let attempt = 0; attempt < 3; attempt++) {
      try {
        fs.linkSync(tmp, file); // atomic: fails when the file exists
        return { ok: true };
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      }
      const holder = readPidFile(file);
      if (holder !== undefined && holder !== pid && isMasterProcess(holder)) return { ok: false, pid: holder };
      fs.rmSync(file, { force: true }); // stale: its master is gone
    }
    throw new Error(`cannot lock ${file}`);
  } finally {
    fs.rmSync(tmp, { force: true });
  }
}

/** removePidFile - delete the lock file if it is still ours. */
export function removePidFile(file: string, pid = process.pid): void {
  if (readPidFile(file) === pid) fs.rmSync(file, { force: true });
}
