/*
 * queue-space - Postfix's smtpd_check_queue: MAIL FROM is refused with
 * `452 4.3.1 Insufficient system storage` while the file system of the queue has no
 * more than queue_minfree bytes free, or less than 1.5 times message_size_limit (so a
 * message of the largest size still fits). Free space is what an unprivileged writer may
 * use (statfs f_bavail), looked up on each MAIL FROM (one cheap system call). A failed
 * look-up refuses nothing: the write itself then fails with its own reply.
 * Used by transaction.ts. Reads (through settings): queue_minfree, message_size_limit.
 */
import fs from 'node:fs';
import type { Logger } from '@mailroom/global';
import { reply, type Reply } from './replies.js';

/** Postfix's smtpd_space_multf: room for this many messages of the largest size. */
const SPACE_MULTIPLIER = 1.5;

/** queueSpaceReply - the refusal when the queue is short of space, else undefined. */
export function queueSpaceReply(queueDir: string, minFree: number, sizeLimit: number, log: Logger): Reply | undefined {
  let st: fs.StatsFs;
  try {
    st = fs.statfsSync(queueDir);
  } catch {
    return undefined;
  }
  const blocks = (bytes: number): number => Math.floor(bytes / st.bsize);
  if (blocks(minFree) >= st.bavail || blocks(sizeLimit) >= st.bavail / SPACE_MULTIPLIER) {
    log.warn(`not enough free space in mail queue: ${st.bavail * st.bsize} bytes < ${SPACE_MULTIPLIER}*message size limit`);
    return reply(452, '4.3.1', 'Insufficient system storage');
  }
  return undefined;
}
