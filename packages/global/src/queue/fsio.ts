/*
 * queue/fsio - the few file primitives the spool code is built on, tuned for cost.
 *
 * Why sync and async are mixed: a Node fs.promises call costs a thread-pool hop,
 * which is more than the work itself for pread/pwrite/fchmod/close on a page-cached
 * spool file (microseconds). Those run synchronously here. The calls that wait for
 * the disk go to the thread pool: fsync, fdatasync, large writes, and creating or
 * renaming a name (measured: a synchronous open(O_CREAT) waits for the journal while
 * other writers fsync, and stalled the event loop for most of a busy run). Used by the queue-file writer, updates and moves.
 */
import fs from 'node:fs';

/** Writes up to this size are done synchronously (they only copy to the page cache). */
const SYNC_WRITE_LIMIT = 64 * 1024;

function callback<T>(run: (cb: (err: NodeJS.ErrnoException | null, v?: T) => void) => void): Promise<T> {
  return new Promise((resolve, reject) => run((err, v) => (err ? reject(err) : resolve(v as T))));
}

/** openAsync - open(2) on the thread pool: creating a name may wait for the journal. */
export function openAsync(file: string, flags: number, mode?: number): Promise<number> {
  return callback((cb) => fs.open(file, flags, mode, cb));
}

/** renameAsync - rename(2) on the thread pool, for the same reason. */
export function renameAsync(from: string, to: string): Promise<void> {
  return callback((cb) => fs.rename(from, to, cb));
}

/** fsyncFd - fsync(2) on the thread pool. */
export function fsyncFd(fd: number): Promise<void> {
  return callback((cb) => fs.fsync(fd, cb));
}

/** fdatasyncFd - fdatasync(2) on the thread pool. */
export function fdatasyncFd(fd: number): Promise<void> {
  return callback((cb) => fs.fdatasync(fd, cb));
}

/** totalLength - bytes in a list of buffers. */
export function totalLength(bufs: readonly Buffer[]): number {
  let n = 0;
  for (const b of bufs) n += b.length;
  return n;
}

/** dropWritten - the part of `bufs` not yet written after `n` bytes went out. */
function dropWritten(bufs: Buffer[], n: number): Buffer[] {
  while (n > 0 && bufs.length > 0) {
    const first = bufs[0] as Buffer;
    if (n >= first.length) {
      n -= first.length;
      bufs.shift();
    } else {
      bufs[0] = first.subarray(n);
      n = 0;
    }
  }
  return bufs;
}

/**
 * writeAll - write every buffer at the file's current offset (position undefined) or
 * at `position`; small amounts synchronously, large ones with one writev per hop.
 */
export async function writeAll(fd: number, bufs: readonly Buffer[], position?: number): Promise<void> {
  let rest = bufs.filter((b) => b.length > 0);
  let pos = position;
  while (rest.length > 0) {
    const size = totalLength(rest);
    const n =
      size <= SYNC_WRITE_LIMIT
        ? fs.writevSync(fd, rest, pos)
        : await callback<number>((cb) => fs.writev(fd, rest, pos ?? null, cb));
    if (pos !== undefined) pos += n;
    rest = dropWritten(rest, n);
  }
}

/** syncDirectory - fsync a directory so that a rename or create in it is durable. */
export async function syncDirectory(dir: string): Promise<void> {
  const fd = fs.openSync(dir, fs.constants.O_RDONLY | fs.constants.O_DIRECTORY);
  try {
    await fsyncFd(fd);
  } finally {
    fs.closeSync(fd);
  }
}

/** readAt - read exactly `length` bytes at `position` (fewer only at end of file). */
export function readAt(fd: number, length: number, position: number): Buffer {
  const buf = Buffer.allocUnsafe(length);
  let got = 0;
  while (got < length) {
    const n = fs.readSync(fd, buf, got, length - got, position + got);
    if (n === 0) break;
    got += n;
  }
  return got === length ? buf : buf.subarray(0, got);
}
