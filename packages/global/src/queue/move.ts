/*
 * queue/move - move queue files between queues; quarantine corrupt ones; recover
 * `active` at start.
 *
 * A move is one rename(2) (atomic: the file is in exactly one queue, and of two
 * processes racing to move it only one succeeds), creating a missing hashed
 * subdirectory on demand, then by default an fsync of the target directory.
 * loadQueueFile() is the caller-friendly read: it never throws; a corrupt file is
 * moved to `corrupt/` with a warning (Postfix's wording), an incomplete or vanished
 * one is skipped. Used by qmgr, postsuper, pickup and master. Reads no parameters.
 */
import path from 'node:path';
import fs from 'node:fs';
import type { Logger } from '../log.js';
import { ensureParentDir } from './create.js';
import { errnoCode, isQueueFileError } from './errors.js';
import { isQueueId } from './id.js';
import type { QueueFile } from './format.js';
import { renameAsync, syncDirectory } from './fsio.js';
import { clearStaleLocks, filesInUse, lockQueueFile } from './lock.js';
import { readQueueFileSync } from './reader.js';
import { queueDirectories } from './scan.js';
import type { QueueName, Spool } from './spool.js';

export interface MoveOptions {
  /**
   * fsync the target directory (default true). Moves whose both ends are recovered
   * after a crash anyway (incoming -> active) may skip it.
   */
  sync?: boolean;
}

/** moveQueueFile - rename a queue file from one queue to another; returns the new path. */
export async function moveQueueFile(spool: Spool, id: string, from: QueueName, to: QueueName, opts: MoveOptions = {}): Promise<string> {
  const src = spool.path(from, id);
  const dst = spool.path(to, id);
  try {
    await renameAsync(src, dst);
  } catch (err) {
    if (errnoCode(err) !== 'ENOENT' || !fs.existsSync(src)) throw err;
    ensureParentDir(dst);
    await renameAsync(src, dst);
  }
  if (opts.sync ?? true) await syncDirectory(path.dirname(dst));
  return dst;
}

/**
 * moveToCorrupt - log why and move the file to `corrupt/`. Never throws: a failure to
 * move is logged too. Returns true when the file was moved.
 */
export async function moveToCorrupt(spool: Spool, queue: QueueName, id: string, reason: string, log: Logger): Promise<boolean> {
  const qlog = log.child({ queue_id: id });
  if (!isQueueId(id)) {
    qlog.warn(`bad mail queue ID: ${id}`);
    return false;
  }
  qlog.warn(`${spool.relativePath(queue, id)}: ${reason}`);
  qlog.warn(`saving corrupt file "${id}" from queue "${queue}" to queue "corrupt"`);
  try {
    await moveQueueFile(spool, id, queue, 'corrupt');
    return true;
  } catch (err) {
    qlog.warn(`cannot move ${spool.relativePath(queue, id)} to queue "corrupt": ${(err as Error).message}`);
    return false;
  }
}

/**
 * loadQueueFile - read a queue file for processing; null when it is incomplete,
 * gone, unreadable (logged) or corrupt (logged and moved to `corrupt/`).
 */
export async function loadQueueFile(spool: Spool, queue: QueueName, id: string, log: Logger): Promise<QueueFile | null> {
  if (!isQueueId(id)) {
    log.warn(`bad mail queue ID: ${id}`);
    return null;
  }
  try {
    return readQueueFileSync(spool.path(queue, id));
  } catch (err) {
    if (isQueueFileError(err, 'incomplete') || errnoCode(err) === 'ENOENT') return null;
    if (isQueueFileError(err, 'corrupt')) await moveToCorrupt(spool, queue, id, err.reason, log);
    else log.child({ queue_id: id }).warn(`${spool.relativePath(queue, id)}: cannot read queue file: ${(err as Error).message}`);
    return null;
  }
}

export interface RecoverResult {
  /** IDs moved back to incoming. */
  moved: string[];
  /** IDs left in active because a live process holds their lock. */
  busy: string[];
}

/**
 * recoverActive - at qmgr start, move every file left in `active` back to `incoming`
 * (as Postfix's qmgr does), except files a live process still holds: its exclusive lock,
 * or a delivery agent's shared hold (an agent of the previous qmgr still delivering from
 * it: moving the file would have it delivered twice). Stale locks and holds are cleared
 * first. `only` limits the work to those IDs (a later retry of the busy ones).
 * Call from one process only (qmgr).
 */
export async function recoverActive(spool: Spool, log?: Logger, only?: ReadonlySet<string>): Promise<RecoverResult> {
  const result: RecoverResult = { moved: [], busy: [] };
  for (const dir of await queueDirectories(spool, 'active')) {
    clearStaleLocks(dir);
    const ids = fs.readdirSync(dir, { withFileTypes: true }).filter((e) => e.isFile() && isQueueId(e.name) && (!only || only.has(e.name))).map((e) => e.name);
    // Exclusive locks first, then one look for holds: an agent that takes a hold after
    // this sees the lock and backs off; one that took it before is seen here.
    const locked = ids.map((id) => ({ id, lock: lockQueueFile(path.join(dir, id)) }));
    const used = filesInUse(dir);
    for (const { id, lock } of locked) {
      if (!lock || used.has(id)) {
        lock?.release();
        result.busy.push(id);
        continue;
      }
      try {
        await moveQueueFile(spool, id, 'active', 'incoming', { sync: false });
        result.moved.push(id);
      } catch (err) {
        if (errnoCode(err) !== 'ENOENT') throw err;
      } finally {
        lock.release();
      }
    }
  }
  if (result.moved.length > 0) {
    for (const dir of await queueDirectories(spool, 'incoming')) await syncDirectory(dir);
    log?.info(`recovered ${result.moved.length} message(s) from the active queue`);
  }
  if (result.busy.length > 0 && !only) log?.info(`${result.busy.length} message(s) in the active queue still being delivered: recovered when done`);
  return result;
}
