/*
 * qmgr/instance - one queue manager per queue directory at a time. On `postfix reload`
 * master starts the new qmgr before the old one has gone; if the new one recovered
 * active/ while the old one still delivered from it, mail would go out twice. So qmgr
 * holds the lock `active/qmgr.lock` (queue/lock: a symlink naming its PID; a dead
 * holder's lock is broken), and a new qmgr waits for it before it touches active/.
 * The old qmgr, asked to stop, takes no more work and exits once its deliveries in
 * flight have answered (at most DRAIN_MS), so their results are recorded and nothing
 * is delivered again by its successor.
 */
import path from 'node:path';
import { lockQueueFile, type Logger, type QueueLock, type Spool } from '@mailroom/global';

const POLL_MS = 200;
const WARN_EVERY_MS = 30_000;
/** Longest wait for deliveries in flight when stopping (master kills at 10 s). */
export const DRAIN_MS = 8_000;

/** takeInstanceLock - wait until this is the only qmgr of the spool. */
export async function takeInstanceLock(spool: Spool, log: Logger): Promise<QueueLock> {
  const file = path.join(spool.queuePath('active'), 'qmgr');
  let warned = 0;
  for (;;) {
    const lock = lockQueueFile(file);
    if (lock) return lock;
    if (Date.now() - warned >= WARN_EVERY_MS) {
      log.info(`waiting for the previous queue manager to exit (${file}.lock)`);
      warned = Date.now();
    }
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
}
