/*
 * mailbox/lock - the locks other mail programs honour on a UNIX mailbox, as Postfix's
 * mbox_open takes them (`mailbox_delivery_lock`, `virtual_mailbox_lock`):
 *   dotlock  `path.lock`, created with O_EXCL; a lock older than stale_lock_time is removed;
 *   fcntl    a POSIX write lock on the open file (fs-ext, async: its fcntlSync passes the
 *            lock type where the kernel wants a struct flock and fails with EFAULT);
 *   flock    a BSD lock on the open file (fs-ext flockSync, non-blocking).
 * A busy lock is retried deliver_lock_attempts times, deliver_lock_delay apart; F_SETLKW is
 * never used, so no thread-pool thread waits on a lock. POSIX locks belong to a process, so
 * deliveries in this process to one file also queue behind an in-process mutex first.
 * Used by mailbox/mbox. The lock parameters are passed in by the agents.
 */
import fs from 'node:fs';
import { createRequire } from 'node:module';
import { MailboxError, mboxDsn, strerror } from './errors.js';

export type LockMethod = 'fcntl' | 'flock' | 'dotlock';

export interface LockSettings {
  /** Methods in use (mailbox_delivery_lock). */
  methods: readonly LockMethod[];
  /** deliver_lock_attempts. */
  attempts: number;
  /** deliver_lock_delay, ms. */
  delayMs: number;
  /** stale_lock_time, ms. */
  staleMs: number;
}

interface FsExt {
  fcntl(fd: number, cmd: string, arg: number, cb: (err: NodeJS.ErrnoException | null) => void): void;
  flockSync(fd: number, flags: string): void;
  constants: { F_WRLCK: number };
}

let fsExt: FsExt | undefined;
/**
 * fsext - fs-ext, loaded on first use. It is a native module and an optional dependency
 * (an install without a compiler or Node's headers skips it): without it, fcntl and flock
 * locking defer the delivery with a clear reason, and `mailbox_delivery_lock = dotlock`
 * still works.
 */
function fsext(): FsExt {
  try {
    fsExt ??= createRequire(import.meta.url)('fs-ext') as FsExt;
  } catch (err) {
    throw new MailboxError('4.3.0', `fcntl/flock locking unavailable (the optional native module fs-ext is not installed: ${(err as Error).message.split('\n')[0]}); set mailbox_delivery_lock = dotlock or reinstall with build tools`);
  }
  return fsExt;
}

/** parseLockMethods - `fcntl, dotlock` → methods; throws on an unknown name (a configuration error). */
export function parseLockMethods(list: readonly string[], param: string): LockMethod[] {
  return list.map((m) => {
    if (m === 'fcntl' || m === 'flock' || m === 'dotlock') return m;
    throw new Error(`${param}: unknown locking method: ${m}`);
  });
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const busy = (err: unknown): boolean => ['EAGAIN', 'EACCES', 'EWOULDBLOCK'].includes((err as NodeJS.ErrnoException).code ?? '');

/** retry - run `attempt` until it stops failing with a busy lock, or the attempts run out. */
async function retry(s: LockSettings, attempt: () => Promise<void> | void): Promise<void> {
  for (let i = 1; ; i++) {
    try {
      return await attempt();
    } catch (err) {
      if (!busy(err) || i >= s.attempts) throw err;
    }
    await sleep(s.delayMs);
  }
}

const mutexes = new Map<string, Promise<void>>();

/** withPathMutex - run fn while no other delivery in this process holds `path`. */
export async function withPathMutex<T>(path: string, fn: () => Promise<T>): Promise<T> {
  const before = mutexes.get(path) ?? Promise.resolve();
  let release!: () => void;
  const mine = new Promise<void>((r) => (release = r));
  const chained = before.then(() => mine);
  mutexes.set(path, chained);
  await before;
  try {
    return await fn();
  } finally {
    release();
    if (mutexes.get(path) === chained) mutexes.delete(path);
  }
}

/** dotLock - create `path.lock`; returns its name. MailboxError: 4.2.0 when it stays busy, else by errno. */
export async function dotLock(path: string, s: LockSettings): Promise<string> {
  const lock = `${path}.lock`;
  for (let i = 1; ; i++) {
    try {
      fs.closeSync(fs.openSync(lock, fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_EXCL, 0));
      return lock;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') {
        throw new MailboxError(mboxDsn(err, '5.2.0'), `unable to create lock file ${lock}: ${strerror(err)}`, (err as NodeJS.ErrnoException).code);
      }
    }
    try {
      if (Date.now() - fs.statSync(lock).ctimeMs > s.staleMs) fs.unlinkSync(lock); // stale: its owner died
    } catch {
      // gone meanwhile: try again at once
    }
    if (i >= s.attempts) throw new MailboxError('4.2.0', `unable to create lock file ${lock}: File exists`, 'EEXIST');
    await sleep(s.delayMs);
  }
}

/** fcntlLock - a POSIX write lock on the whole file (released when the fd is closed). */
export function fcntlLock(fd: number, s: LockSettings): Promise<void> {
  const x = fsext();
  return retry(s, () => new Promise<void>((resolve, reject) => x.fcntl(fd, 'setlk', x.constants.F_WRLCK, (err) => (err ? reject(err) : resolve()))));
}

/** flockLock - an exclusive BSD lock (released when the fd is closed). */
export function flockLock(fd: number, s: LockSettings): Promise<void> {
  const x = fsext();
  return retry(s, () => x.flockSync(fd, 'exnb'));
}

/** lockOpenFile - the fcntl and flock locks `s` asks for; MailboxError 4.2.0 when busy. */
export async function lockOpenFile(fd: number, s: LockSettings): Promise<void> {
  try {
    if (s.methods.includes('fcntl')) await fcntlLock(fd, s);
    if (s.methods.includes('flock')) await flockLock(fd, s);
  } catch (err) {
    if (err instanceof MailboxError) throw err;
    throw new MailboxError('4.2.0', `unable to lock for exclusive access: ${strerror(err)}`, (err as NodeJS.ErrnoException).code);
  }
}
