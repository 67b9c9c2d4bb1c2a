/*
 * tables/atomic - replace a table file so that readers see the old or the new
 * table, never a half-built one: build under a temporary name in the same
 * directory, fsync, set mode and owner, rename over the target, fsync the directory.
 * Used by the hash and lmdb builders (postmap, postalias, newaliases).
 */
import fs from 'node:fs';
import path from 'node:path';

export interface ReplaceOptions {
  /** Permissions of the new file. */
  mode: number;
  /** Owner to give the new file (when running as root), as Postfix builds tables as the source's owner. */
  owner?: { uid: number; gid: number };
}

/** replaceFileAtomic - build(tmpPath) creates the new file; it then replaces target atomically. */
export async function replaceFileAtomic(target: string, build: (tmpPath: string) => void | Promise<void>, opts: ReplaceOptions): Promise<void> {
  const dir = path.dirname(target);
  const tmp = path.join(dir, `.${path.basename(target)}.${process.pid}.${Date.now().toString(36)}.tmp`);
  try {
    await build(tmp);
    const fd = fs.openSync(tmp, 'r+');
    try {
      fs.fchmodSync(fd, opts.mode);
      if (opts.owner) fs.fchownSync(fd, opts.owner.uid, opts.owner.gid);
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(tmp, target);
  } catch (err) {
    fs.rmSync(tmp, { force: true });
    throw err;
  }
  syncDir(dir);
}

/** syncDir - make a rename durable (best effort: some file systems refuse fsync on a directory). */
function syncDir(dir: string): void {
  let fd = -1;
  try {
    fd = fs.openSync(dir, 'r');
    fs.fsyncSync(fd);
  } catch {
    /* not fatal: the rename itself is atomic */
  } finally {
    if (fd >= 0) fs.closeSync(fd);
  }
}
