/*
 * protocols/deliver - qmgr asks a delivery agent (local, virtual, smtp, lmtp, pipe,
 * error, discard ...) to deliver one message to some of its recipients, over
 * `$queue_directory/private/<transport>` (newline-delimited JSON, one reply per request).
 *
 * Rules both ends rely on (the mail-is-never-lost contract):
 * - the agent reads the content from the queue file itself (path, offset, size): the
 *   message never travels over the socket;
 * - for every recipient it delivered, the agent marks the recipient done in the queue
 *   file (queue library markRecipientDone: one byte, fsynced) BEFORE it replies, so a
 *   crash of qmgr after a delivery cannot cause a second one;
 * - deferred and bounced recipients are only reported; qmgr writes the defer/bounce
 *   logs and marks bounced recipients done after the bounce log is safe;
 * - a reply that never comes (agent killed) means: every recipient not marked done is
 *   deferred and retried.
 */
import { arrayOf, bool, defineCodec, int, literal, num, object, optional, recordOf, str } from '../ipc/codec.js';

const rcpt = object({
  /** Recipient as resolved (internal form). */
  address: str,
  /** Address as originally received (before aliasing), for logs and DSN. */
  original: str,
  orcpt: optional(str),
  /** DSN NOTIFY mask: NEVER 1, SUCCESS 2, DELAY 4, FAILURE 8. */
  notify: optional(int),
  /** Offset of the recipient record in the queue file (markRecipientDone). */
  offset: int,
});
export type DeliverRecipient = ReturnType<typeof rcpt>;

const request = object({
  type: literal('deliver'),
  queueId: str,
  /** Absolute path of the queue file (in active/). */
  path: str,
  contentOffset: int,
  contentSize: int,
  sender: str,
  /** Arrival time, ms since the epoch (for delays= and Received-style headers). */
  arrivalTime: int,
  envid: optional(str),
  ret: optional(int),
  smtputf8: optional(bool),
  /** master.cf service name of the transport (e.g. `relay`), and the next hop. */
  transport: str,
  nexthop: str,
  recipients: arrayOf(rcpt),
  /** Client and other attributes from the queue file (client_address, helo_name...). */
  attributes: recordOf(str),
  /** When qmgr moved the message into active/, ms (for delays=a/b/c/d). */
  activeTime: optional(int),
});
export type DeliverRequest = ReturnType<typeof request>;

const result = object({
  /** The recipient's offset, as in the request. */
  offset: int,
  status: literal('sent', 'deferred', 'bounced'),
  /** Enhanced status code: 2.0.0, 4.4.1, 5.1.1 ... */
  dsn: str,
  /** Text for logs and notices: `250 2.0.0 Ok: queued as X`, `delivered to maildir`,
   *  `host mx[1.2.3.4] said: 550 5.1.1 ... (in reply to RCPT TO command)`. */
  reason: str,
  /** relay= of the log line: `mx.example.net[1.2.3.4]:25`, `local`, `none`. */
  relay: str,
  /** The remote MTA for DSN Remote-MTA (`dns; mx.example.net`), when there was one. */
  remoteMta: optional(str),
  /**
   * DSN action of a success notice: `delivered` (final delivery) or `relayed` (handed on).
   * Omitted: `relayed` when remoteMta is set, else `delivered` (pipe's X flag sets it).
   */
  action: optional(literal('delivered', 'relayed')),
  /** Connection setup and transmission times, seconds (delays= c and d parts). */
  connectSeconds: optional(num),
  transmitSeconds: optional(num),
});
export type DeliverResult = ReturnType<typeof result>;

const reply = object({
  type: literal('delivered'),
  queueId: str,
  /** One result per requested recipient. */
  results: arrayOf(result),
  /**
   * The destination itself failed (connection refused, timeout, 4xx greeting): qmgr
   * counts a failed cohort for the destination's concurrency feedback.
   */
  destinationFailed: optional(bool),
});
export type DeliverReply = ReturnType<typeof reply>;

export const deliverRequestCodec = defineCodec('deliver request', request);
export const deliverReplyCodec = defineCodec('deliver reply', reply);
