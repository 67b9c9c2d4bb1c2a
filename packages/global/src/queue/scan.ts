/*
 * queue/scan - list and find queue files, across hashed subdirectories.
 *
 * One readdir per directory (a thread-pool hop each, not one per file); names that
 * are not queue IDs (lock links, stray files) are skipped. Within a directory IDs
 * come in sorted order, which for Mailroom's IDs is arrival order. Used by qmgr
 * (incoming/deferred scans), showq, postsuper and postcat -q. Parameters: none
 * beyond the Spool's (hash_queue_names, hash_queue_depth).
 */
import fs from 'node:fs';
import path from 'node:path';
import { errnoCode } from './errors.js';
import { isQueueId } from './id.js';
import type { QueueName, Spool } from './spool.js';

async function readDirEntries(dir: string): Promise<fs.Dirent[]> {
  try {
    return await fs.promises.readdir(dir, { withFileTypes: true });
  } catch (err) {
    if (errnoCode(err) === 'ENOENT') return [];
    throw err;
  }
}

const byName = (a: fs.Dirent, b: fs.Dirent): number => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);

/** queueDirectories - the directories of a queue that hold files (hash leaves), as they exist. */
export async function queueDirectories(spool: Spool, queue: QueueName): Promise<string[]> {
  let dirs = [spool.queuePath(queue)];
  const depth = spool.hashed(queue) ? spool.hashQueueDepth : 0;
  for (let level = 0; level < depth; level++) {
    const next: string[] = [];
    for (const dir of dirs) {
      for (const e of (await readDirEntries(dir)).sort(byName))
        if (e.isDirectory() && e.name.length === 1) next.push(path.join(dir, e.name));
    }
    dirs = next;
  }
  return dirs;
}

/** scanQueue - every queue ID in a queue (all hashed subdirectories). */
export async function* scanQueue(spool: Spool, queue: QueueName): AsyncGenerator<string> {
  for (const dir of await queueDirectories(spool, queue)) {
    const entries = await readDirEntries(dir);
    const ids = entries.filter((e) => e.isFile() && isQueueId(e.name)).map((e) => e.name);
    yield* ids.sort();
  }
}

/** Where postcat -q and postsuper look, in Postfix's order. */
export const SEARCH_QUEUES: readonly QueueName[] = ['maildrop', 'incoming', 'active', 'deferred', 'hold', 'saved'];

export interface FoundQueueFile {
  queue: QueueName;
  path: string;
}

/** findQueueFile - which queue holds this ID (first match in `queues`), or undefined. */
export function findQueueFile(spool: Spool, id: string, queues: readonly QueueName[] = SEARCH_QUEUES): FoundQueueFile | undefined {
  if (!isQueueId(id)) return undefined;
  for (const queue of queues) {
    const file = spool.path(queue, id);
    const st = fs.lstatSync(file, { throwIfNoEntry: false });
    if (st?.isFile()) return { queue, path: file };
  }
  return undefined;
}

/**
 * removeStaleFiles - delete files without the owner-execute bit older than maxAge
 * seconds (writers that died before commit); returns their IDs. For postsuper and
 * master at start; a live writer's file is younger than any sensible maxAge.
 */
export async function removeStaleFiles(spool: Spool, queue: QueueName, maxAgeSec = 86400, now = Date.now()): Promise<string[]> {
  const removed: string[] = [];
  for await (const id of scanQueue(spool, queue)) {
    const file = spool.path(queue, id);
    const st = fs.lstatSync(file, { throwIfNoEntry: false });
    if (!st || (st.mode & 0o100) !== 0 || now - st.mtimeMs < maxAgeSec * 1000) continue;
    try {
      fs.unlinkSync(file);
      removed.push(id);
    } catch (err) {
      if (errnoCode(err) !== 'ENOENT') throw err;
    }
  }
  return removed;
}
