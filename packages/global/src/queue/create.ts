/*
 * queue/create - create (or repair) the spool tree with Postfix's permissions.
 *
 *   queue_directory  0755 root          pid     0755 root
 *   maildrop         0730 owner:group   public  0710 owner:group
 *   incoming active deferred hold corrupt bounce defer trace flush saved private
 *                    0700 owner         hashed subdirectories 0700 owner
 *
 * owner is mail_owner, group is setgid_group (postdrop): ownership is only changed
 * when ids are given (master, started as root); an unprivileged instance owns all.
 * Modes are set explicitly (the umask would otherwise narrow them). Idempotent.
 * Called by master and `postfix start`/`check`. Parameters: see queue/spool.
 */
import fs from 'node:fs';
import path from 'node:path';
import { QUEUE_NAMES, Spool, type SpoolOptions } from './spool.js';

/** Mode of each spool directory (also written down in docs/queue-file.md). */
export const SPOOL_DIR_MODES: Readonly<Record<string, number>> = {
  ...Object.fromEntries(QUEUE_NAMES.map((q) => [q, 0o700])),
  // Not Postfix's 0730/0710: a Node sendmail cannot be set-group-ID, so every user must be
  // able to drop files (sticky: nobody removes another's) and reach public/ sockets
  // (pickup wakeup, showq). docs/postdrop.md, "The permission model".
  maildrop: 0o1733,
  public: 0o711,
  private: 0o700,
  pid: 0o755,
};

/** Directories owned by root rather than mail_owner. */
const ROOT_OWNED = new Set(['pid']);
/** Directories whose group is setgid_group, so postdrop/postqueue can use them. */
const SETGID_GROUP = new Set(['maildrop', 'public']);

/** Hashed subdirectories are created ahead of time up to this depth (16^2 = 256). */
const PRECREATE_DEPTH = 2;

export interface CreateSpoolOptions extends SpoolOptions {
  /** mail_owner's uid and gid: chown the queues to them (when running as root). */
  uid?: number;
  gid?: number;
  /** setgid_group's gid for maildrop and public. */
  setgidGid?: number;
}

function ensureDir(dir: string, mode: number, uid?: number, gid?: number): void {
  fs.mkdirSync(dir, { recursive: true, mode });
  fs.chmodSync(dir, mode);
  if (uid !== undefined || gid !== undefined) fs.chownSync(dir, uid ?? -1, gid ?? -1);
}

/** createSpool - create the spool tree under queueDir; returns its Spool. */
export function createSpool(queueDir: string, opts: CreateSpoolOptions = {}): Spool {
  const spool = new Spool(queueDir, opts);
  ensureDir(spool.queueDir, 0o755);
  for (const [name, mode] of Object.entries(SPOOL_DIR_MODES)) {
    const dir = path.join(spool.queueDir, name);
    if (ROOT_OWNED.has(name)) ensureDir(dir, mode);
    else ensureDir(dir, mode, opts.uid, SETGID_GROUP.has(name) ? (opts.setgidGid ?? opts.gid) : opts.gid);
  }
  if (spool.hashQueueDepth <= PRECREATE_DEPTH) {
    for (const queue of QUEUE_NAMES) {
      if (!spool.hashed(queue)) continue;
      for (const sub of spool.hashDirs()) ensureDir(path.join(spool.queuePath(queue), sub), 0o700, opts.uid, opts.gid);
    }
  }
  return spool;
}

/** ensureParentDir - create a missing hashed subdirectory of `file` (mode 0700). */
export function ensureParentDir(file: string): void {
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
}
