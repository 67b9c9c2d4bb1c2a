/*
 * submit-enqueue - sendmail's delivery mode: envelope from the command line, message
 * from standard input, one maildrop file, then a wakeup for pickup. Errors end the
 * process with Postfix's wording (`sendmail: fatal: user(uid): ...`) and sysexits(3)
 * status; an incomplete file is removed first. Reads: sendmail_fix_line_endings and
 * what submit-drop reads.
 */
import type { Config } from '@mailroom/global';
import { parseAddressArg, parseAddressList } from './submit-address.js';
import type { SendmailOptions } from './submit-args.js';
import { MessageFilter, type FixLineEndings } from './submit-content.js';
import {
  currentSubmitter, MaildropFile, MessageTooBigError, TRACE_FLAG_RECORD, wakePickup, type DropRequest, type Submitter,
} from './submit-drop.js';
import { RecipientHeaderScanner } from './submit-headers.js';
import { EX_DATAERR, EX_OSERR, EX_TEMPFAIL, EX_USAGE } from './submit-sysexits.js';
import { fatal, warn } from './util.js';

/** fixLineEndings - sendmail_fix_line_endings, checked. */
export function fixLineEndings(prog: string, config: Config): FixLineEndings {
  const v = config.get('sendmail_fix_line_endings');
  if (v === 'always' || v === 'strict' || v === 'never') return v;
  return fatal(prog, `invalid sendmail_fix_line_endings value: ${v}`, EX_USAGE);
}

/** submitterOrDie - the invoking user, or EX_OSERR as Postfix. */
export function submitterOrDie(prog: string): Submitter {
  const who = currentSubmitter();
  if (!who) fatal(prog, `no login name found for user ID ${process.getuid?.() ?? -1}`, EX_OSERR);
  return who;
}

/** envelopeOf - sender and recipients from the command line, as Postfix parses them. */
function envelopeOf(prog: string, opts: SendmailOptions, who: Submitter): DropRequest {
  let sender = who.name;
  if (opts.sender !== undefined) {
    const parsed = parseAddressArg(opts.sender);
    if (parsed.count > 1) warn(prog, `-f option specified malformed sender: ${opts.sender}`);
    sender = parsed.address;
  }
  // Each argument is an address list ("a@x, B <b@y>"); one without any address counts as ''.
  const recipients = opts.recipients.flatMap((arg) => {
    const list = parseAddressList(arg);
    return (list.length > 0 ? list : ['']).map((address) => ({ address, notify: opts.notify }));
  });
  return {
    sender,
    fullname: opts.fullname ?? (process.env.NAME || undefined),
    recipients,
    extract: opts.extract,
    envid: opts.envid,
    ret: opts.ret,
    notify: opts.notify,
    body: opts.body,
    gateway: opts.gateway,
    traceFlags: opts.deliveryReport ? TRACE_FLAG_RECORD : undefined,
  };
}

/** enqueue - read the message, write the maildrop file, wake pickup; exits on error. */
export async function enqueue(prog: string, config: Config, opts: SendmailOptions): Promise<string> {
  const who = submitterOrDie(prog);
  const req = envelopeOf(prog, opts, who);
  const tag = `${req.sender}(${who.uid})`;
  if (!opts.extract && req.recipients.length === 0) {
    fatal(prog, `${tag}: Recipient addresses must be specified on the command line or via the -t option`, EX_USAGE);
  }
  const scanner = opts.extract ? new RecipientHeaderScanner() : undefined;
  const filter = new MessageFilter({
    dotEndsInput: opts.dotEndsInput,
    fixLineEndings: fixLineEndings(prog, config),
    onHeaderLine: scanner ? (l) => scanner.line(l) : undefined,
  });
  const file = new MaildropFile(config, req, who);
  const die = async (text: string, status: number): Promise<never> => {
    await file.abort().catch(() => undefined);
    return fatal(prog, `${tag}: ${text}`, status);
  };
  for (const sig of ['SIGHUP', 'SIGINT', 'SIGQUIT', 'SIGTERM'] as const) {
    process.on(sig, () => void file.abort().finally(() => process.exit(EX_TEMPFAIL)));
  }
  try {
    await copyInput(filter, file);
  } catch (err) {
    if (err instanceof MessageTooBigError) return die(err.message, EX_DATAERR);
    if ((err as NodeJS.ErrnoException).syscall === 'read') return die(`error reading input: ${(err as Error).message}`, EX_DATAERR);
    return die(`error writing queue file: ${(err as Error).message}`, EX_TEMPFAIL);
  }
  if (scanner && req.recipients.length === 0 && scanner.recipients().length === 0) {
    return die('No recipient addresses found in message header', EX_USAGE);
  }
  let id: string;
  try {
    id = await file.commit();
  } catch (err) {
    return die(`error writing queue file: ${(err as Error).message}`, EX_TEMPFAIL);
  }
  await wakePickup(config);
  return id;
}

/** copyInput - standard input through the filter into the file; drains input past the size limit. */
async function copyInput(filter: MessageFilter, file: MaildropFile): Promise<void> {
  let failure: unknown;
  for await (const chunk of process.stdin as AsyncIterable<Buffer>) {
    if (failure !== undefined) continue; // read the rest so the writer does not see EPIPE
    try {
      await file.write(filter.push(chunk));
      if (filter.pending() > 0) file.checkSize(filter.pending());
    } catch (err) {
      failure = err;
    }
    if (filter.ended) break;
  }
  if (failure !== undefined) throw failure;
  await file.write(filter.end());
}
