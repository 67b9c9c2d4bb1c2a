/*
 * submit - hand one validated maildrop file to cleanup (protocols/cleanup.ts: begin ->
 * ready(queue ID) -> framed content -> done, over CleanupClient's kept connection)
 * and say what to do with the file: `removed` once cleanup queued, bounced or
 * discarded it; `kept` when cleanup deferred or the exchange broke off (cleanup then
 * keeps nothing); `unreachable` when cleanup cannot be reached at all (end the pass).
 * Reads nothing itself (the client reads queue_directory, cleanup_service_name,
 * ipc_timeout, ipc_idle).
 */
import { openContentStream, type CleanupBegin, type CleanupClient } from '@mailroom/global';
import type { MaildropFile } from './file.js';

export interface SubmitOutcome {
  action: 'removed' | 'kept' | 'unreachable';
  /** The queue ID cleanup gave, when it got that far. */
  queueId?: string;
  /** A line for the log (without the severity prefix). */
  warning?: string;
}

/** Connect errors that mean "cleanup is not there": no point trying the next file. */
const UNREACHABLE = new Set(['ECONNREFUSED', 'ENOENT', 'EACCES', 'ENOTSOCK']);

/** submitToCleanup - send the file; `onReady` runs when the queue ID is known (to log it first). */
export async function submitToCleanup(
  client: CleanupClient,
  file: MaildropFile,
  begin: CleanupBegin,
  onReady: (queueId: string) => void,
): Promise<SubmitOutcome> {
  const where = `maildrop/${file.id}`;
  let queueId: string | undefined;
  try {
    const content = openContentStream({ path: file.fdPath, contentOffset: file.qf.contentOffset, contentSize: file.qf.contentSize });
    const done = await client.submit(begin, content as AsyncIterable<Buffer>, {
      onReady: (id) => {
        queueId = id;
        onReady(id);
      },
    });
    const why = [done.dsn, done.reason].filter(Boolean).join(' ') || 'no reason given';
    switch (done.status) {
      case 'ok':
      case 'discard':
        return { action: 'removed', queueId };
      case 'reject':
        // With BOUNCE set cleanup has returned the message to its sender (Postfix removes it too).
        return { action: 'removed', queueId, warning: `${where}: uid=${file.st.uid}: rejected by cleanup: ${why}` };
      case 'defer':
        return { action: 'kept', queueId, warning: `${where}: cleanup deferred the message: ${why}; will try again` };
    }
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? '';
    const action = queueId === undefined && UNREACHABLE.has(code) ? 'unreachable' : 'kept';
    return { action, queueId, warning: `${where}: cleanup service: ${(err as Error).message}` };
  }
}
