/*
 * submit - queue one composed notice through cleanup over public/cleanup
 * (protocols/cleanup.ts: begin -> ready(queue ID) -> content -> done), as Postfix's
 * post_mail does for bounce. Success means cleanup said `ok`: the notice is in
 * incoming/, complete and fsynced. Canonical and virtual alias mapping apply
 * (postmaster may be an alias); header/body checks do not (internal mail).
 * Reads (through CleanupClient.fromConfig): queue_directory, cleanup_service_name, ipc_timeout, ipc_idle.
 */
import { CLEANUP_FLAG, CleanupClient, type CleanupBegin } from '@mailroom/global';
import type { ComposedNotice } from './compose.js';

export type SubmitResult = { ok: true; queueId: string } | { ok: false; reason: string };

/** A way to queue a notice: cleanup in the daemon, something simpler in unit tests. */
export type Submitter = (notice: ComposedNotice) => Promise<SubmitResult>;

/** noticeBegin - the cleanup request of a notice. */
export function noticeBegin(notice: ComposedNotice, nowMs = Date.now()): CleanupBegin {
  return {
    type: 'begin',
    flags: CLEANUP_FLAG.MAP_OK | CLEANUP_FLAG.LOCAL_SUBMISSION,
    sender: notice.sender,
    recipients: [{ address: notice.recipient }],
    arrivalTime: nowMs,
    attributes: {},
    smtputf8: notice.smtputf8 || undefined,
  };
}

/**
 * cleanupSubmitter - a Submitter that talks to cleanup; `connect` gives a fresh client
 * per notice (a client carries one message at a time; requests run concurrently).
 */
export function cleanupSubmitter(connect: () => CleanupClient): Submitter {
  return async (notice) => {
    const client = connect();
    let queueId = '';
    try {
      const done = await client.submit(noticeBegin(notice), notice.content(), { onReady: (id) => (queueId = id) });
      // A discard (an alias to nowhere) is the administrator's wish: done, not retried.
      if (done.status === 'ok' || done.status === 'discard') return { ok: true, queueId: done.queueId || queueId };
      const why = [done.dsn, done.reason].filter(Boolean).join(' ');
      return { ok: false, reason: `cleanup ${done.status === 'reject' ? 'rejected' : 'deferred'} the notice${why ? `: ${why}` : ''}` };
    } catch (err) {
      return { ok: false, reason: `cleanup service: ${(err as Error).message}` };
    } finally {
      client.close();
    }
  };
}
