/*
 * submit-drop - write one message into `$queue_directory/maildrop` and wake pickup:
 * what Postfix's postdrop does, shared by sendmail (in-process, no extra exec: our
 * postdrop is not privileged, so a second process would buy nothing), sendmail -bs
 * and bin/postdrop.
 *
 * The file is a queue file (queue library writer, docs/queue-file.md), created 0644
 * and marked complete (0744) only after fdatasync, as Postfix's maildrop files are.
 * What pickup reads from it (docs/postdrop.md):
 *   sender (S; a bare login name when there was no -f), full name (F), recipients with
 *   DSN NOTIFY/ORCPT, ENVID, RET; message flags: CLEANUP_FLAG.EXTRACT_RECIPIENTS for -t;
 *   attributes submit_uid, submit_user (checked by pickup against the file owner),
 *   rewrite_context=remote (-G), body=7BIT|8BITMIME (-B), trace_flags (-v),
 *   notify_flags (-N for -t recipients), protocol and helo_name (-bs).
 * Reads: queue_directory, hash_queue_names, hash_queue_depth, message_size_limit,
 * pickup_service_name, trigger_timeout.
 */
import os from 'node:os';
import {
  arrayOf, bool, CLEANUP_FLAG, defineCodec, int, literal, object, optional, QueueFileWriter,
  spoolFromConfig, str, triggerService, TRIGGER_WAKEUP, type Config,
} from '@mailroom/global';

const recipient = object({ address: str, notify: optional(int), orcpt: optional(str) });

const request = object({
  sender: str,
  fullname: optional(str),
  recipients: arrayOf(recipient),
  /** sendmail -t: cleanup takes recipients from the headers too. */
  extract: optional(bool),
  envid: optional(str),
  ret: optional(int),
  /** -N applied to extracted (-t) recipients. */
  notify: optional(int),
  body: optional(literal('7BIT', '8BITMIME')),
  gateway: optional(bool),
  /** Postfix's trace flags (-v: 1024, a delivery report). */
  traceFlags: optional(int),
  /** -bs: SMTP or ESMTP, and the HELO name. */
  protocol: optional(literal('SMTP', 'ESMTP')),
  helo: optional(str),
});

/** What one maildrop file holds, apart from the content. */
export type DropRequest = ReturnType<typeof request>;

/** The first line postdrop reads on standard input (docs/postdrop.md). */
export const dropRequestCodec = defineCodec('postdrop request', request);

/** The submitting user, as the file records it (pickup believes the file owner). */
export interface Submitter {
  uid: number;
  name: string;
}

/** currentSubmitter - who runs this process (getpwuid); undefined when the uid has no name. */
export function currentSubmitter(): Submitter | undefined {
  try {
    const u = os.userInfo();
    return { uid: u.uid, name: u.username };
  } catch {
    return undefined;
  }
}

/** Postfix's DEL_REQ_FLAG_RECORD: report the first delivery attempt (sendmail -v). */
export const TRACE_FLAG_RECORD = 1 << 10;

/** The message is larger than message_size_limit. */
export class MessageTooBigError extends Error {
  constructor(readonly limit: number) {
    super('message file too big');
    this.name = 'MessageTooBigError';
  }
}

/** messageSizeLimit - message_size_limit in bytes (0: no limit). */
export function messageSizeLimit(config: Config): number {
  return config.getInt('message_size_limit');
}

function attributesOf(req: DropRequest, who: Submitter): Record<string, string> {
  const a: Record<string, string> = { submit_uid: String(who.uid), submit_user: who.name };
  if (req.gateway) a.rewrite_context = 'remote';
  if (req.body) a.body = req.body;
  if (req.traceFlags) a.trace_flags = String(req.traceFlags);
  if (req.notify !== undefined && req.extract) a.notify_flags = String(req.notify);
  if (req.protocol) a.protocol = req.protocol;
  if (req.helo !== undefined) a.helo_name = req.helo;
  return a;
}

/** MaildropFile - one maildrop file being written: write content, then commit or abort. */
export class MaildropFile {
  private readonly writer: QueueFileWriter;
  private readonly limit: number;
  private size = 0;

  constructor(config: Config, req: DropRequest, who: Submitter) {
    this.limit = messageSizeLimit(config);
    this.writer = new QueueFileWriter(spoolFromConfig(config), { queue: 'maildrop', mode: 0o644 });
    this.writer.setEnvelope({
      sender: req.sender,
      senderFullname: req.fullname,
      envid: req.envid,
      ret: req.ret,
      flags: req.extract ? CLEANUP_FLAG.EXTRACT_RECIPIENTS : 0,
      attributes: attributesOf(req, who),
    });
    for (const r of req.recipients) this.writer.addRecipient({ address: r.address, notify: r.notify, orcpt: r.orcpt });
  }

  /** id - the maildrop queue ID (the file name). */
  get id(): string {
    return this.writer.id;
  }

  /** write - append content; throws MessageTooBigError past message_size_limit. */
  async write(chunks: readonly Buffer[]): Promise<void> {
    for (const c of chunks) {
      this.size += c.length;
      if (this.limit > 0 && this.size > this.limit) throw new MessageTooBigError(this.limit);
      await this.writer.writeContent(c);
    }
  }

  /** checkSize - throw MessageTooBigError if `more` bytes (held back elsewhere) would not fit. */
  checkSize(more: number): void {
    if (this.limit > 0 && this.size + more > this.limit) throw new MessageTooBigError(this.limit);
  }

  /** commit - make the file complete and durable; returns its queue ID. */
  commit(): Promise<string> {
    return this.writer.commit();
  }

  /** abort - remove whatever was written. */
  abort(): Promise<void> {
    return this.writer.abort();
  }
}

/** wakePickup - trigger pickup; a stopped system (or no access to public/) is not an error. */
export async function wakePickup(config: Config): Promise<boolean> {
  try {
    const service = `public/${config.get('pickup_service_name')}`;
    await triggerService(config.get('queue_directory'), service, TRIGGER_WAKEUP, config.getTime('trigger_timeout') * 1000);
    return true;
  } catch {
    return false; // the mail waits in maildrop until pickup's next wakeup or start
  }
}
