/*
 * protocols/cleanup - how smtpd, pickup, bounce and postsuper -r hand a message to
 * cleanup over `$queue_directory/private/cleanup` (a Unix stream socket). One
 * connection may carry several messages, one after another:
 *
 *   client:  CleanupBegin as one JSON line
 *   cleanup: CleanupReady as one JSON line (the queue ID is known from here on)
 *   client:  the raw message content (headers + body, CRLF or LF, already
 *            dot-unstuffed) as frames: `<decimal byte count>\n<bytes>`, ended by `0\n`
 *   cleanup: CleanupDone as one JSON line, sent only after the queue file is complete
 *            and fsynced (status ok) or removed (any other status)
 * Closing the connection before `0\n` aborts the message: nothing stays in the queue.
 * Both ends use the codecs below; framing helpers live with the cleanup side.
 */
import { arrayOf, defineCodec, int, literal, object, optional, recordOf, str, bool, type ShapeOf } from '../ipc/codec.js';

/** Bits of CleanupBegin.flags (Postfix's CLEANUP_FLAG_*, the ones we use). */
export const CLEANUP_FLAG = {
  /** Bounce on rejection (pickup, bounce) instead of reporting it to the client. */
  BOUNCE: 1 << 0,
  /** Apply header_checks and body_checks. */
  FILTER: 1 << 1,
  /** Put the message on hold. */
  HOLD: 1 << 2,
  /** Discard the message. */
  DISCARD: 1 << 3,
  /** Apply canonical and virtual alias mapping. */
  MAP_OK: 1 << 4,
  /** Extract recipients from To/Cc/Bcc (sendmail -t). */
  EXTRACT_RECIPIENTS: 1 << 5,
  /** Local submission: add From/Date/Message-ID freely (as for sendmail and pickup). */
  LOCAL_SUBMISSION: 1 << 6,
} as const;

const recipient = object({
  /** Internal form. */
  address: str,
  /** DSN ORCPT (`rfc822;addr`), as received. */
  orcpt: optional(str),
  /** DSN NOTIFY mask: NEVER 1, SUCCESS 2, DELAY 4, FAILURE 8. */
  notify: optional(int),
});
export type CleanupRecipient = ReturnType<typeof recipient>;

const begin = object({
  type: literal('begin'),
  flags: int,
  /** Envelope sender, internal form; '' is the null sender. */
  sender: str,
  recipients: arrayOf(recipient),
  /** Arrival time, ms since the epoch. */
  arrivalTime: optional(int),
  /** Client facts for Received: and logs: client_name, client_address, client_port,
   *  helo_name, protocol (SMTP/ESMTP/ESMTPS/ESMTPSA/LMTP/...), sasl_method, sasl_username,
   *  tls (`TLSv1.3 with cipher ...`), origin (`local` for sendmail), submit_user... */
  attributes: recordOf(str),
  /** DSN ENVID and RET (FULL 1, HDRS 2). */
  envid: optional(str),
  ret: optional(int),
  /** The client declared SMTPUTF8. */
  smtputf8: optional(bool),
  /** BODY=8BITMIME or 7BIT as declared. */
  body: optional(str),
  /** Sender full name (sendmail -F). */
  senderFullname: optional(str),
  /** The size the client announced (SIZE=), for early limit checks. */
  sizeHint: optional(int),
});
export type CleanupBegin = ReturnType<typeof begin>;

const ready = object({ type: literal('ready'), queueId: str });
export type CleanupReady = ReturnType<typeof ready>;

const done = object({
  type: literal('done'),
  queueId: str,
  /**
   * ok: queued (complete, fsynced). reject: permanent refusal (5xx). defer: temporary
   * failure (4xx), e.g. disk full or a lookup error. discard: accepted and dropped
   * (the client is told 250). A hold is `ok` with `held` true.
   */
  status: literal('ok', 'reject', 'defer', 'discard'),
  /** Enhanced status code, e.g. 5.7.1, 4.3.0, 5.3.4 (message too big). */
  dsn: optional(str),
  /** Text for the client and the log, e.g. `message content rejected`. */
  reason: optional(str),
  /** The message went to the hold queue. */
  held: optional(bool),
  /** Recipients after alias expansion (for the log). */
  nrcpt: optional(int),
});
export type CleanupDone = ReturnType<typeof done>;

export const cleanupBeginCodec = defineCodec('cleanup begin', begin);
export const cleanupReadyCodec = defineCodec('cleanup ready', ready);
export const cleanupDoneCodec = defineCodec('cleanup done', done);
