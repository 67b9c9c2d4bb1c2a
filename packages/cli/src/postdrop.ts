/*
 * postdrop - the mail posting utility, as Postfix's postdrop(1): copy a message from
 * standard input into a new file in `$queue_directory/maildrop` and wake pickup.
 *
 *   postdrop [-c config_dir] [-r] [-v]
 *
 * Input (Mailroom's internal protocol; Postfix's is internal too): one JSON line, the
 * envelope (submit-drop's DropRequest: sender, recipients, DSN, flags), then the raw
 * message content up to end of input, already in queue form (LF line endings).
 * Output: the queue ID on standard output. sendmail does not run postdrop: it writes
 * through the same module in-process (there is no privilege to gain, docs/postdrop.md).
 * Reads: queue_directory, message_size_limit, pickup_service_name, trigger_timeout.
 */
import { ProtocolError } from '@mailroom/global';
import { dropRequestCodec, MaildropFile, MessageTooBigError, wakePickup, type DropRequest } from './submit-drop.js';
import { submitterOrDie } from './submit-enqueue.js';
import { EX_DATAERR, EX_SOFTWARE, EX_TEMPFAIL, EX_USAGE } from './submit-sysexits.js';
import { fatal, loadConfigOrDie } from './util.js';

const PROG = 'postdrop';
const MAX_ENVELOPE = 16 * 1024 * 1024;

function parseArgs(argv: readonly string[]): string | undefined {
  let configDir: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] as string;
    if (a === '-c' && argv[i + 1] !== undefined) configDir = argv[++i];
    else if (a.startsWith('-c') && a.length > 2) configDir = a.slice(2);
    else if (a !== '-r' && a !== '-v' && a !== '-rv' && a !== '-vr') fatal(PROG, `usage: ${PROG} [-c config_dir] [-r] [-v]`, EX_USAGE);
  }
  return configDir;
}

async function main(): Promise<void> {
  const config = loadConfigOrDie(PROG, parseArgs(process.argv.slice(2)), undefined, EX_TEMPFAIL);
  const who = submitterOrDie(PROG);
  const tag = `uid=${who.uid}`;
  let head: Buffer[] = [];
  let headSize = 0;
  let file: MaildropFile | undefined;
  try {
    for await (const chunk of process.stdin as AsyncIterable<Buffer>) {
      if (file) {
        await file.write([chunk]);
        continue;
      }
      const nl = chunk.indexOf(10);
      head.push(nl < 0 ? chunk : chunk.subarray(0, nl));
      headSize += nl < 0 ? chunk.length : nl;
      if (headSize > MAX_ENVELOPE) fatal(PROG, `${tag}: malformed input: envelope too long`, EX_DATAERR);
      if (nl < 0) continue;
      file = new MaildropFile(config, parseEnvelope(tag, Buffer.concat(head).toString('utf8')), who);
      head = [];
      await file.write([chunk.subarray(nl + 1)]);
    }
    if (!file) fatal(PROG, `${tag}: malformed input: no envelope`, EX_DATAERR);
    const id = await file.commit();
    await wakePickup(config);
    process.stdout.write(`${id}\n`);
  } catch (err) {
    await file?.abort().catch(() => undefined);
    if (err instanceof MessageTooBigError) fatal(PROG, `${tag}: message file too big`, EX_DATAERR);
    fatal(PROG, `${tag}: error writing queue file: ${(err as Error).message}`, EX_TEMPFAIL);
  }
}

function parseEnvelope(tag: string, line: string): DropRequest {
  try {
    return dropRequestCodec.decode(line);
  } catch (err) {
    if (err instanceof ProtocolError) fatal(PROG, `${tag}: malformed input: ${err.message}`, EX_DATAERR);
    throw err;
  }
}

main().then(
  () => process.exit(0),
  (err: Error) => fatal(PROG, `internal error: ${err.stack ?? err.message}`, EX_SOFTWARE),
);
