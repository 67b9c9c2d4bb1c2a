/*
 * queue/lock - per-file locks so that two processes never deliver the same file.
 *
 * A lock is a symbolic link `<file>.lock` whose target names the holder
 * (`pid.nonce`): symlink(2) creates it atomically with its content in one system call,
 * and fails when it exists. A lock whose holder process is gone is stale. Only one
 * process at a time may break a stale lock: it must first create `<file>.lock.break`
 * the same way, re-check, remove the stale lock and take its own. A breaker that dies
 * mid-way leaves `.lock.break`, which clearStaleLocks() (qmgr at start) removes.
 * Why not proper-lockfile: it keeps a timer per held lock refreshing an mtime, which
 * for thousands of active files is thousands of writes a minute; liveness by PID
 * costs nothing while held. Lock names contain a dot, so queue scans skip them.
 *
 * A delivery agent instead takes a shared hold while it delivers from a file (several
 * deliveries of one message run at once): a link `<file>.use.<pid>.<nonce>` of its own,
 * after which it checks that no live process holds `<file>.lock` and that the file is
 * still there. Whoever moves a file that agents may be delivering from (recoverActive at
 * qmgr start) takes `<file>.lock` first and then looks for live holds (filesInUse). Each
 * side makes its own mark before it looks for the other's, so at least one of two racing
 * sides sees the other and backs off: a file is never moved out from under a delivery,
 * which would otherwise be delivered again from its new place.
 * All processes sharing a spool must share a PID namespace (master's children do).
 * Used by qmgr, the delivery agents and postsuper. Reads no parameters.
 */
import fs from 'node:fs';
import path from 'node:path';
import { isAlive } from '../service/pidfile.js';
import { errnoCode } from './errors.js';

const LOCK = '.lock';
const BREAK = '.lock.break';
const USE = '.use.';
let nonce = 0;

export interface QueueLock {
  /** Path of the lock link. */
  readonly path: string;
  /** release - drop the lock (only if it is still ours). Idempotent. */
  release(): void;
}

function tryCreate(link: string, token: string): boolean {
  try {
    fs.symlinkSync(token, link);
    return true;
  } catch (err) {
    if (errnoCode(err) === 'EEXIST') return false;
    throw err;
  }
}

function holderOf(link: string): string | null {
  try {
    return fs.readlinkSync(link);
  } catch (err) {
    if (errnoCode(err) === 'ENOENT') return null;
    throw err;
  }
}

/**
 * holderAlive - is the process named by a lock token still running? A zombie is not:
 * the children of a killed master linger as zombies where nobody reaps orphans.
 */
function holderAlive(token: string): boolean {
  const pid = Number(token.split('.')[0]);
  if (!Number.isSafeInteger(pid) || pid <= 0) return false;
  return pid === process.pid || isAlive(pid);
}

function unlinkQuiet(file: string): void {
  try {
    fs.unlinkSync(file);
  } catch (err) {
    if (errnoCode(err) !== 'ENOENT') throw err;
  }
}

function makeLock(link: string, token: string): QueueLock {
  return {
    path: link,
    release(): void {
      if (holderOf(link) === token) unlinkQuiet(link);
    },
  };
}

/** lockQueueFile - take the lock of a queue file; null when a live process holds it. */
export function lockQueueFile(file: string): QueueLock | null {
  const link = file + LOCK;
  const token = `${process.pid}.${++nonce}`;
  for (let attempt = 0; attempt < 2; attempt++) {
    if (tryCreate(link, token)) return makeLock(link, token);
    const holder = holderOf(link);
    if (holder === null) continue; // released meanwhile: try again
    if (holderAlive(holder)) return null;
    const ours = breakStale(file, holder, token, () => tryCreate(link, token));
    return ours ? makeLock(link, token) : null;
  }
  return null;
}

/**
 * useQueueFile - a shared hold on a queue file while delivering from it; null when a
 * live process holds its exclusive lock (it is being moved) or the file is gone.
 */
export function useQueueFile(file: string): QueueLock | null {
  const token = `${process.pid}.${++nonce}`;
  const link = `${file}${USE}${token}`;
  fs.symlinkSync(token, link);
  const holder = holderOf(file + LOCK);
  if ((holder !== null && holderAlive(holder)) || !fs.existsSync(file)) {
    unlinkQuiet(link);
    return null;
  }
  return makeLock(link, token);
}

/**
 * filesInUse - the names in `dir` with a live shared hold (useQueueFile). One readdir for
 * the whole directory: call it after taking the exclusive locks of the files to move.
 */
export function filesInUse(dir: string): Set<string> {
  const used = new Set<string>();
  for (const name of fs.readdirSync(dir)) {
    const at = name.indexOf(USE);
    if (at > 0 && holderAlive(name.slice(at + USE.length))) used.add(name.slice(0, at));
  }
  return used;
}

/**
 * breakStale - with `<file>.lock.break` held, remove the lock if it still names the
 * stale `holder`, then run `then` (take the lock, or nothing). False when another
 * process is breaking it right now.
 */
function breakStale(file: string, holder: string, token: string, then: () => boolean): boolean {
  const breakLink = file + BREAK;
  if (!tryCreate(breakLink, token)) return false;
  try {
    if (holderOf(file + LOCK) === holder) unlinkQuiet(file + LOCK);
    return then();
  } finally {
    unlinkQuiet(breakLink);
  }
}

/** isLockName - names of lock links and holds (never queue IDs). */
export function isLockName(name: string): boolean {
  return name.endsWith(LOCK) || name.endsWith(BREAK) || name.includes(USE);
}

/**
 * clearStaleLocks - remove the locks and holds of dead holders in one directory. Break-locks
 * left by a breaker that died are removed directly: call this from one process only
 * (qmgr at start); stale locks themselves are broken with the usual protocol.
 */
export function clearStaleLocks(dir: string): number {
  let removed = 0;
  const names = fs.readdirSync(dir).filter(isLockName);
  const token = `${process.pid}.${++nonce}`;
  for (const name of names.filter((n) => n.endsWith(BREAK))) {
    const holder = holderOf(path.join(dir, name));
    if (holder !== null && !holderAlive(holder)) {
      unlinkQuiet(path.join(dir, name));
      removed++;
    }
  }
  for (const name of names.filter((n) => n.includes(USE))) {
    // A hold is only ever removed by its owner, or here once the owner is dead.
    if (!holderAlive(name.slice(name.indexOf(USE) + USE.length))) {
      unlinkQuiet(path.join(dir, name));
      removed++;
    }
  }
  for (const name of names.filter((n) => n.endsWith(LOCK))) {
    const holder = holderOf(path.join(dir, name));
    if (holder === null || holderAlive(holder)) continue;
    if (breakStale(path.join(dir, name.slice(0, -LOCK.length)), holder, token, () => true)) removed++;
  }
  return removed;
}
