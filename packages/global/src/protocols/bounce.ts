/*
 * protocols/bounce - qmgr asks the bounce daemon (master.cf services `bounce`,
 * `defer`, `trace`, all running the bounce program) to send a delivery status
 * notification about one message, over `$queue_directory/private/bounce`.
 *
 *   kind `failure`: non-delivery report (RFC 3464) for the recipients listed,
 *                   which qmgr has already written to the bounce/ log;
 *   kind `delay`:   delay warning (delay_warning_time) for still-deferred recipients;
 *   kind `success`: delivery notice for recipients with NOTIFY=SUCCESS (and
 *                   "relayed" notices where the next hop does not speak DSN).
 * The bounce daemon composes the notice and submits it through cleanup with the null
 * sender (and to the postmaster per notify_classes / double bounces); it replies only
 * after cleanup has queued the notice, so qmgr may then delete the original's logs.
 */
import { arrayOf, defineCodec, int, literal, object, optional, str } from '../ipc/codec.js';

const rcpt = object({
  address: str,
  original: str,
  orcpt: optional(str),
  notify: optional(int),
  /** DSN Action: failed, delayed, delivered, relayed, expanded. */
  action: literal('failed', 'delayed', 'delivered', 'relayed', 'expanded'),
  dsn: str,
  reason: str,
  relay: optional(str),
  remoteMta: optional(str),
  /** When the status was recorded, ms since the epoch. */
  time: optional(int),
});
export type BounceRecipient = ReturnType<typeof rcpt>;

const request = object({
  type: literal('notify'),
  kind: literal('failure', 'delay', 'success'),
  queueId: str,
  /** Queue file of the original message (headers or full content are returned from it). */
  path: str,
  sender: str,
  envid: optional(str),
  /** DSN RET of the original: FULL 1, HDRS 2. */
  ret: optional(int),
  arrivalTime: int,
  recipients: arrayOf(rcpt),
});
export type BounceRequest = ReturnType<typeof request>;

const reply = object({
  type: literal('notified'),
  /** ok: the notice is queued (or none was needed); defer: try again later. */
  status: literal('ok', 'defer'),
  /** Queue ID of the notice, when one was sent. */
  noticeId: optional(str),
  reason: optional(str),
});
export type BounceReply = ReturnType<typeof reply>;

export const bounceRequestCodec = defineCodec('bounce request', request);
export const bounceReplyCodec = defineCodec('bounce reply', reply);
