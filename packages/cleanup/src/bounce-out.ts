/*
 * bounce-out - CLEANUP_FLAG.BOUNCE: a rejected message from pickup is not just refused
 * (nobody would hear of it) but returned to its sender, as Postfix's cleanup_bounce
 * does. The complete message is committed to hold/ (out of qmgr's way), the bounce
 * daemon is asked for a non-delivery notice about every recipient (it reads the file),
 * and the file is removed. If bounce cannot be reached the message is deferred, so
 * the client keeps it and tries again. Logs one `status=bounced` line per recipient.
 * Used by session.ts; the bounce client is built in main.ts (bounce_service_name).
 */
import { externalForm, type BounceReply, type BounceRequest, type QueueRecipientSpec } from '@mailroom/global';
import type { QueueOut } from './queue-out.js';
import { FAIL, type MessageState } from './state.js';

/** Sends one request to the bounce daemon (private/$bounce_service_name). */
export type Bouncer = (req: BounceRequest) => Promise<BounceReply>;

/** returnToSender - bounce the rejected message; the verdict stays `reject` or becomes `defer`. */
export async function returnToSender(
  bouncer: Bouncer,
  state: MessageState,
  out: QueueOut,
  recipients: readonly QueueRecipientSpec[],
  arrivalTime: number,
): Promise<void> {
  const why = state.failure as NonNullable<MessageState['failure']>;
  state.hold = true; // committed out of qmgr's sight while bounce reads it
  if (!(await out.commit(state, recipients, {}))) return;
  const b = state.begin;
  const req: BounceRequest = {
    type: 'notify',
    kind: 'failure',
    queueId: state.queueId,
    path: out.writer.path,
    sender: state.sender,
    envid: b.envid,
    ret: b.ret,
    arrivalTime,
    recipients: recipients.map((r) => ({
      address: r.address, original: r.original ?? r.address, orcpt: r.orcpt, notify: r.notify,
      action: 'failed' as const, dsn: why.dsn, reason: why.reason, time: Date.now(),
    })),
  };
  let reply: BounceReply | undefined;
  try {
    reply = await bouncer(req);
  } catch (err) {
    state.log.warn(`${state.queueId}: bounce service: ${(err as Error).message}`);
  }
  await out.remove(state);
  if (reply?.status !== 'ok') {
    state.fail({ ...FAIL.write(), reason: 'cannot return the rejected message to its sender' });
    return;
  }
  const delay = ((Date.now() - arrivalTime) / 1000).toFixed(2);
  for (const r of recipients) {
    const orig = r.original && r.original !== r.address ? `, orig_to=<${externalForm(r.original)}>` : '';
    state.log.info(`${state.queueId}: to=<${externalForm(r.address)}>${orig}, relay=none, delay=${delay}, dsn=${why.dsn}, status=bounced (${why.reason})`);
  }
  if (reply.noticeId) state.log.info(`${state.queueId}: sender non-delivery notification: ${reply.noticeId}`);
}
