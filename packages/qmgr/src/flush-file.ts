/*
 * qmgr/flush-file - `postqueue -i ID` (the `Q<id>` trigger): deliver one deferred
 * message now. Postfix's flush daemon does it the same way (flush_send_file): set the
 * file's time stamps to now, move it from deferred/ to incoming/, ask for an incoming
 * scan, and have the queue manager unthrottle the destinations of that message. A
 * message already in incoming/ is only made due; one in active/ or hold/, or gone, is
 * left alone (as Postfix). Called by qmgr.ts; reads no parameters.
 */
import fs from 'node:fs';
import { isQueueFileError, moveQueueFile, readQueueFileSync, splitAddress, type Logger, type Spool } from '@mailroom/global';

const errno = (err: unknown): string | undefined => (err as NodeJS.ErrnoException).code;

/** touch - set a file's times to now; false when it does not exist. */
function touch(file: string, log: Logger): boolean {
  const now = Date.now() / 1000;
  try {
    fs.utimesSync(file, now, now);
    return true;
  } catch (err) {
    if (errno(err) !== 'ENOENT') log.warn(`flush: update ${file} time stamps: ${(err as Error).message}`);
    return false;
  }
}

/** pendingDomains - the domains of a queue file's undelivered recipients ([] when unreadable). */
function pendingDomains(file: string): string[] {
  try {
    const qf = readQueueFileSync(file);
    return [...new Set(qf.recipients.filter((r) => !r.done).map((r) => splitAddress(r.address).domain.toLowerCase()))].filter(Boolean);
  } catch (err) {
    if (isQueueFileError(err) || errno(err) === 'ENOENT') return [];
    throw err;
  }
}

export interface FlushedFile {
  /** The message is in incoming/ now (moved, or found there). */
  incoming: boolean;
  /** Destinations to unthrottle (domains of its undelivered recipients). */
  domains: string[];
}

/** flushFile - make deferred message `id` deliverable now; undefined when it is not in deferred/ or incoming/. */
export async function flushFile(spool: Spool, id: string, log: Logger): Promise<FlushedFile | undefined> {
  const deferred = spool.path('deferred', id);
  if (touch(deferred, log)) {
    const domains = pendingDomains(deferred);
    try {
      await moveQueueFile(spool, id, 'deferred', 'incoming');
      return { incoming: true, domains };
    } catch (err) {
      if (errno(err) !== 'ENOENT') throw err;
      // taken meanwhile (a scan moved it to active/, or another flush to incoming/)
    }
  }
  if (touch(spool.path('incoming', id), log)) return { incoming: true, domains: [] };
  return undefined;
}
