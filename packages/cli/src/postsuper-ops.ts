/*
 * postsuper-ops - what postsuper does to the spool (Postfix's postsuper(1) semantics):
 *   - by queue ID: delete (with the message's defer/bounce/trace logs), hold, release,
 *     requeue (to maildrop/, for pickup and cleanup to copy into a new queue file),
 *     force-expire (the group-execute bit, Postfix's MAIL_QUEUE_STAT_EXPIRE; qmgr returns
 *     such a message to its sender without another delivery attempt);
 *   - one walk over whole queues (superPass): the ALL forms of those, -p (purge files
 *     without the owner-execute bit older than a day: writers that died) and -s
 *     (structure: files moved back into the hashed subdirectory their name maps to,
 *     unneeded subdirectories and alien objects removed, bogus names reported).
 * Every change is one rename(2), unlink(2) or chmod(2), so that it is safe while the
 * system runs: a file in active/ is changed only under its exclusive lock and when no
 * delivery agent holds it (queue/lock: lockQueueFile, then filesInUse, the protocol qmgr's
 * recovery follows); one that is busy is left alone with a warning.
 * Mailroom queue IDs do not encode the inode number (queue/id.ts), so Postfix's
 * "rename files whose name does not match the inode number" has nothing to rename.
 * Reads nothing itself; postsuper.ts passes the Spool (hash_queue_names, hash_queue_depth).
 */
import fs from 'node:fs';
import path from 'node:path';
import { filesInUse, isLockName, isQueueId, lockQueueFile, strerror, type QueueLock, type QueueName, type Spool } from '@mailroom/global';
import type { CommandLog } from './cmdlog.js';

/** Directories holding message files (the others hold per-message logs or flush logs). */
export const MESSAGE_QUEUES: ReadonlySet<string> = new Set(['maildrop', 'incoming', 'active', 'deferred', 'hold', 'corrupt', 'saved']);
/** Per-message logs removed with a message. */
export const LOG_QUEUES: readonly QueueName[] = ['bounce', 'defer', 'trace'];
/** Postfix's MAIL_QUEUE_STAT_READY: the owner-execute bit marks a complete file. */
const READY = 0o100;
/** Postfix's MAIL_QUEUE_STAT_EXPIRE: the group-execute bit asks for forced expiration. */
export const FORCE_EXPIRE = 0o010;
/** Renames and unlinks in flight at once during an ALL pass. */
const JOB_WINDOW = 32;
/** Temporary files older than this are purged (Postfix's MAX_TEMP_AGE). */
const MAX_TEMP_AGE_MS = 24 * 3600 * 1000;

export interface Counts {
  deleted: number;
  held: number;
  released: number;
  requeued: number;
  expired: number;
}


/** Bits of a superPass request. */
export const ACTION = {
  STRUCT: 1 << 0,
  PURGE: 1 << 1,
  DELETE_ALL: 1 << 2,
  REQUEUE_ALL: 1 << 3,
  HOLD_ALL: 1 << 4,
  RELEASE_ALL: 1 << 5,
  EXPIRE_ALL: 1 << 6,
  /** With EXPIRE_ALL: also release held mail (-f ALL). */
  EXPIRE_RELEASE_ALL: 1 << 7,
} as const;

export class SuperOps {
  readonly counts: Counts = { deleted: 0, held: 0, released: 0, requeued: 0, expired: 0 };
  /** Queues a message entered, for the triggers sent at the end. */
  readonly touched = new Set<QueueName>();
  private progressAt = 0;
  private progressShown = false;
  /** The pass also walks every log directory: no per-message log removal needed. */
  private logsCovered = false;
  /** Renames and unlinks an ALL pass has collected in the directory it walks (flushJobs). */
  private jobs: (() => Promise<void>)[] = [];
  /** The last locked() found the file in use. */
  private wasBusy = false;
  /** While a pass walks an active/ directory: the files it locked that no agent uses. */
  private held: Map<string, QueueLock> | undefined;

  constructor(
    private readonly spool: Spool,
    private readonly log: CommandLog,
    private readonly verbose: number,
    /** Show progress on standard error (a terminal). */
    private readonly progress: boolean,
    private readonly now = Date.now(),
  ) {}

  // ------------------------------------------------------------------ by queue ID

  /** ready - the path of a complete regular file `queue/id`, else undefined (Postfix mail_open_ok). */
  private ready(queue: QueueName, id: string): string | undefined {
    const file = this.spool.path(queue, id);
    const st = fs.lstatSync(file, { throwIfNoEntry: false });
    if (!st) return undefined;
    if (!st.isFile()) {
      this.log.warn(`${this.spool.relativePath(queue, id)}: not a regular file`);
      return undefined;
    }
    return (st.mode & READY) !== 0 ? file : undefined;
  }

  /** byId - find `id` in `queues` (twice: it may move meanwhile) and apply `op`; 1 when done. */
  private byId(queues: readonly QueueName[], id: string, op: (queue: QueueName, file: string) => boolean): number {
    if (!isQueueId(id)) {
      this.log.warn(`invalid mail queue id: ${id}`);
      return 0;
    }
    for (let tries = 0; tries < 2; tries++) {
      for (const queue of queues) {
        if (!MESSAGE_QUEUES.has(queue)) continue;
        const file = this.ready(queue, id);
        if (!file) continue;
        this.wasBusy = false;
        if (this.locked(queue, file, () => op(queue, file))) return 1;
        if (this.wasBusy) return 0; // warned once; the message stays where it is
      }
    }
    return 0;
  }

  deleteOne(queues: readonly QueueName[], id: string): void {
    this.counts.deleted += this.byId(queues, id, (_queue, file) => {
      this.removeLogs(id);
      if (!this.remove(file)) return false;
      this.log.log('info', `${id}: removed`, { queueId: id });
      return true;
    });
  }

  holdOne(queues: readonly QueueName[], id: string): void {
    // Mail in maildrop has not been sanitized by cleanup yet: never held (as Postfix).
    const from = queues.filter((q) => q !== 'maildrop' && q !== 'hold');
    this.counts.held += this.byId(from, id, (queue) => {
      if (!this.rename(queue, id, 'hold')) return false;
      this.log.log('info', `${id}: placed on hold`, { queueId: id });
      return true;
    });
  }

  releaseOne(queues: readonly QueueName[], id: string): void {
    this.counts.released += this.byId(queues.filter((q) => q === 'hold'), id, () => this.release(id));
  }

  requeueOne(queues: readonly QueueName[], id: string): void {
    this.counts.requeued += this.byId(queues.filter((q) => q !== 'maildrop'), id, (queue) => this.requeue(queue, id));
  }

  expireOne(queues: readonly QueueName[], id: string, release: boolean): void {
    this.counts.expired += this.byId(queues.filter((q) => q !== 'maildrop'), id, (queue, file) => this.expire(queue, id, file, release));
  }

  // ------------------------------------------------------------------ single steps

  private release(id: string): boolean {
    if (!this.rename('hold', id, 'deferred')) return false;
    // Due at once: the deferred scan takes files whose mtime (retry time) has come.
    this.touch(this.spool.path('deferred', id));
    this.log.log('info', `${id}: released from hold`, { queueId: id });
    return true;
  }

  private requeue(queue: QueueName, id: string): boolean {
    if (!this.rename(queue, id, 'maildrop')) return false;
    this.touch(this.spool.path('maildrop', id));
    // The defer log describes attempts of this queue ID; the copy gets a new one.
    this.removeLog('defer', id);
    this.log.log('info', `${id}: requeued`, { queueId: id });
    return true;
  }

  private expire(queue: QueueName, id: string, file: string, release: boolean): boolean {
    if (!this.expireFile(queue, file)) return false;
    this.log.log('info', `${id}: expired`, { queueId: id });
    if (queue === 'hold' && release && this.release(id)) this.counts.released++;
    return true;
  }

  /**
   * locked - run `op` on a file of active/ holding its lock, when no delivery agent uses
   * it (tried for half a second); false, with a warning, when it stays busy.
   */
  private locked(queue: QueueName, file: string, op: () => boolean): boolean {
    if (queue !== 'active') return op();
    const name = path.basename(file);
    if (this.held) return this.held.has(name) ? op() : this.busy(file);
    for (let i = 0; i < 5; i++) {
      const lock = lockQueueFile(file);
      if (lock && !filesInUse(path.dirname(file)).has(name)) {
        try {
          return op();
        } finally {
          lock.release();
        }
      }
      lock?.release();
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 100);
    }
    return this.busy(file);
  }

  private busy(file: string): false {
    this.wasBusy = true;
    this.log.warn(`${path.relative(this.spool.queueDir, file)}: queue file is in use by a running process; skipped`);
    return false;
  }

  /** lockAll - lock every queue file of an active/ directory, then drop those an agent uses. */
  private lockAll(dir: string, entries: readonly fs.Dirent[]): Map<string, QueueLock> {
    const held = new Map<string, QueueLock>();
    for (const e of entries) {
      if (!e.isFile() || !isQueueId(e.name)) continue;
      const lock = lockQueueFile(path.join(dir, e.name));
      if (lock) held.set(e.name, lock);
    }
    const used = filesInUse(dir);
    for (const [name, lock] of held) {
      if (!used.has(name)) continue;
      lock.release();
      held.delete(name);
    }
    return held;
  }

  private rename(from: QueueName, id: string, to: QueueName): boolean {
    return this.renamePath(this.spool.path(from, id), this.spool.path(to, id), to);
  }

  /** renamePath - Postfix's postrename(): create a missing hash directory; false when the source is gone. */
  private renamePath(src: string, dst: string, to?: QueueName): boolean {
    try {
      try {
        fs.renameSync(src, dst);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
        if (!fs.existsSync(src)) return false;
        fs.mkdirSync(path.dirname(dst), { recursive: true, mode: 0o700 });
        fs.renameSync(src, dst);
      }
    } catch (err) {
      this.log.fatal(`rename file ${src} as ${dst}: ${strerror(err)}`);
    }
    if (this.verbose) this.log.log('info', `renamed file ${src} as ${dst}`);
    if (to) this.touched.add(to);
    return true;
  }

  private remove(file: string): boolean {
    try {
      fs.unlinkSync(file);
      if (this.verbose) this.log.log('info', `removed file ${file}`);
      return true;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
      this.log.fatal(`remove file ${file}: ${strerror(err)}`);
    }
  }

  private removeLog(log: QueueName, id: string): void {
    this.remove(this.spool.path(log, id));
  }

  private removeLogs(id: string): void {
    for (const log of LOG_QUEUES) this.removeLog(log, id);
  }

  private touch(file: string): void {
    const t = this.now / 1000;
    try {
      fs.utimesSync(file, t, t);
    } catch (err) {
      this.log.warn(`${file}: reset time stamps: ${(err as Error).message}`);
    }
  }

  // ------------------------------------------------------------------ whole queues

  /** superPass - one walk over each queue doing the ALL operations, -p and -s. */
  async superPass(queues: readonly QueueName[], action: number, label: string): Promise<void> {
    this.logsCovered = LOG_QUEUES.every((q) => queues.includes(q));
    for (const queue of queues) {
      if (this.verbose) this.log.log('info', `queue: ${queue}`);
      const wantedDepth = this.spool.hashed(queue) ? this.spool.hashQueueDepth : 0;
      // maildrop is writable by users in Postfix: never step into its subdirectories.
      const recurse = queue !== 'maildrop';
      if (wantedDepth > 0 && !recurse) this.log.fatal(`${queue} queue must not be hashed`);
      await this.walk(queue, this.spool.queuePath(queue), 0, wantedDepth, recurse, action, label);
    }
    this.endProgress();
  }

  private async walk(queue: QueueName, dir: string, depth: number, wantedDepth: number, recurse: boolean, action: number, label: string): Promise<void> {
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(dir, { withFileTypes: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw err;
    }
    const mass = ACTION.DELETE_ALL | ACTION.REQUEUE_ALL | ACTION.HOLD_ALL | ACTION.EXPIRE_ALL;
    const outer = this.held;
    const held = queue === 'active' && (action & mass) ? this.lockAll(dir, entries) : undefined;
    this.held = held;
    try {
      await this.walkEntries(queue, dir, entries, depth, wantedDepth, recurse, action, label);
      await this.flushJobs(); // while the locks of active/ are held
    } finally {
      for (const lock of held?.values() ?? []) lock.release();
      this.held = outer;
    }
    if (depth > wantedDepth) this.removeDir(dir, false);
  }

  private async walkEntries(
    queue: QueueName, dir: string, entries: readonly fs.Dirent[], depth: number, wantedDepth: number, recurse: boolean, action: number, label: string,
  ): Promise<void> {
    const message = MESSAGE_QUEUES.has(queue);
    for (const e of entries) {
      const name = e.name;
      const actual = path.join(dir, name);
      if (isLockName(name)) continue; // a lock link: its holder removes it
      if (e.isDirectory()) {
        if (name.length === 1 && recurse) await this.walk(queue, actual, depth + 1, wantedDepth, recurse, action, label);
        else this.removeDir(actual, true);
        continue;
      }
      if (action & ACTION.DELETE_ALL) {
        if (queue === 'active' && isQueueId(name) && this.held && !this.held.has(name)) {
          this.busy(actual);
          continue;
        }
        const st = message ? fs.lstatSync(actual, { throwIfNoEntry: false }) : undefined;
        const counted = message && st !== undefined && st.isFile() && (st.mode & READY) !== 0;
        this.jobs.push(async () => {
          if (!(await this.unlinkAsync(actual)) || !counted) return;
          this.tick(label, ++this.counts.deleted);
          if (!this.logsCovered) await Promise.all(LOG_QUEUES.map((log) => this.unlinkAsync(this.spool.path(log, name))));
        });
        continue;
      }
      const st = fs.lstatSync(actual, { throwIfNoEntry: false });
      if (!st) continue;
      const isReady = (st.mode & READY) !== 0;
      if (!st.isFile() || ((action & ACTION.PURGE) && message && !isReady && this.now > st.mtimeMs + MAX_TEMP_AGE_MS)) {
        this.remove(actual);
        continue;
      }
      if (!isQueueId(name)) {
        if (action & ACTION.STRUCT) this.log.warn(`bogus file name: ${path.relative(this.spool.queueDir, actual)}`);
        continue;
      }
      if (message && isReady && queue !== 'maildrop' && this.massMove(queue, name, actual, action, label)) continue;
      if (action & ACTION.STRUCT) {
        const wanted = this.spool.path(queue, name);
        if (wanted !== actual) this.renamePath(actual, wanted);
      }
    }
  }

  /** massMove - the ALL forms of -r, -h, -H, -e, -f on one complete file; true if it moved. */
  private massMove(queue: QueueName, id: string, actual: string, action: number, label: string): boolean {
    /** move - queue the rename (run by flushJobs with others in flight); true: the file is taken care of. */
    const move = (to: QueueName, after: (dst: string) => Promise<unknown>, count: () => void): boolean => {
      if (queue === 'active' && this.held && !this.held.has(id)) return !this.busy(actual);
      const dst = this.spool.path(to, id);
      this.jobs.push(async () => {
        if (!(await this.renameAsync(actual, dst, to))) return;
        await after(dst);
        count();
      });
      return true;
    };
    const touch = (dst: string): Promise<void> => this.touchAsync(dst);
    if (action & ACTION.REQUEUE_ALL) {
      return move('maildrop', (dst) => Promise.all([touch(dst), this.unlinkAsync(this.spool.path('defer', id))]),
        () => this.tick(label, ++this.counts.requeued));
    }
    if ((action & ACTION.HOLD_ALL) && queue !== 'hold') {
      return move('hold', () => Promise.resolve(), () => this.tick(label, ++this.counts.held));
    }
    if ((action & ACTION.EXPIRE_ALL)) {
      const release = (action & ACTION.EXPIRE_RELEASE_ALL) !== 0 && queue === 'hold';
      if (this.expireFile(queue, actual)) {
        this.tick(label, ++this.counts.expired);
        return release && move('deferred', touch, () => this.counts.released++);
      }
    }
    if ((action & ACTION.RELEASE_ALL) && queue === 'hold') {
      return move('deferred', touch, () => this.tick(label, ++this.counts.released));
    }
    return false;
  }

  /** expireFile - set the forced-expiration bit; deferred mail becomes due now. */
  private expireFile(queue: QueueName, file: string): boolean {
    try {
      const st = fs.statSync(file);
      fs.chmodSync(file, (st.mode & 0o7777) | FORCE_EXPIRE);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') {
        this.log.warn(`expire file ${path.relative(this.spool.queueDir, file)}: cannot set permission: ${strerror(err)}`);
      }
      return false;
    }
    this.touched.add(queue);
    if (queue === 'deferred') this.touch(file);
    return true;
  }

  /**
   * flushJobs - run the renames and unlinks a pass collected in a directory, JOB_WINDOW
   * at a time: each waits for the file system's journal, and overlapping them is several
   * times faster on a busy disk than one after another (100,000 messages in seconds).
   */
  private async flushJobs(): Promise<void> {
    const jobs = this.jobs;
    this.jobs = [];
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < jobs.length) await (jobs[next++] as () => Promise<void>)();
    };
    await Promise.all(Array.from({ length: Math.min(JOB_WINDOW, jobs.length) }, worker));
  }

  /** unlinkAsync - unlink(2) on the thread pool; false when already gone. */
  private unlinkAsync(file: string): Promise<boolean> {
    return new Promise((resolve) => {
      fs.unlink(file, (err) => {
        if (!err) resolve(true);
        else if (err.code === 'ENOENT') resolve(false);
        else this.log.fatal(`remove file ${file}: ${strerror(err)}`);
      });
    });
  }

  /** renameAsync - renamePath() on the thread pool. */
  private async renameAsync(src: string, dst: string, to: QueueName): Promise<boolean> {
    const rename = (): Promise<NodeJS.ErrnoException | null> => new Promise((resolve) => fs.rename(src, dst, resolve));
    let err = await rename();
    if (err?.code === 'ENOENT' && fs.existsSync(src)) {
      fs.mkdirSync(path.dirname(dst), { recursive: true, mode: 0o700 });
      err = await rename();
    }
    if (err?.code === 'ENOENT') return false;
    if (err) this.log.fatal(`rename file ${src} as ${dst}: ${strerror(err)}`);
    if (this.verbose) this.log.log('info', `renamed file ${src} as ${dst}`);
    this.touched.add(to);
    return true;
  }

  private touchAsync(file: string): Promise<void> {
    const t = this.now / 1000;
    return new Promise((resolve) => {
      fs.utimes(file, t, t, (err) => {
        if (err) this.log.warn(`${file}: reset time stamps: ${err.message}`);
        resolve();
      });
    });
  }

  /** removeDir - rmdir (an unneeded hash level, or an alien directory: warn when that fails). */
  private removeDir(dir: string, alien: boolean): void {
    try {
      fs.rmdirSync(dir);
      if (this.verbose) this.log.log('info', `remove ${alien ? 'subdirectory' : 'directory'} ${dir}`);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (alien && code !== 'ENOENT') this.log.warn(`remove subdirectory ${dir}: ${(err as Error).message}`);
    }
  }

  // ------------------------------------------------------------------ progress

  /** tick - on a terminal, show how far a long operation is (at most 5 times a second). */
  private tick(label: string, n: number): void {
    if (!this.progress || (n & 255) !== 0) return;
    const t = Date.now();
    if (t - this.progressAt < 200) return;
    this.progressAt = t;
    this.progressShown = true;
    process.stderr.write(`\rpostsuper: ${label}: ${n} message${n === 1 ? '' : 's'} ...`);
  }

  private endProgress(): void {
    if (this.progressShown) process.stderr.write('\r\x1b[K');
    this.progressShown = false;
  }
}
