/*
 * mailbox/helper - the as-user delivery helper (see mailbox/asuser.ts): started with the
 * recipient's uid/gid, job as JSON in argv[2], the raw message on standard input; it
 * performs one Maildir or mbox delivery and prints one JSON line with the outcome.
 * Imports only the mailbox code (no logger, no configuration).
 */
import type { HelperJob, HelperReply } from './asuser.js';
import type { MessageContent } from './content.js';
import { MailboxError } from './errors.js';
import { deliverMaildir } from './maildir.js';
import { deliverMbox } from './mbox.js';

async function run(job: HelperJob): Promise<HelperReply> {
  // Streamed from standard input: memory stays bounded for any size.
  const content: MessageContent = { size: -1, head: Buffer.alloc(0), open: () => process.stdin as AsyncIterable<Buffer> };
  if (job.kind === 'maildir') {
    return { ok: true, path: await deliverMaildir({ dir: job.dir, headers: job.headers, content, sizeLimit: job.sizeLimit }) };
  }
  await deliverMbox({ ...job, content });
  return { ok: true, path: job.path };
}

run(JSON.parse(process.argv[2] ?? '{}') as HelperJob)
  .catch((err: unknown): HelperReply =>
    err instanceof MailboxError ? { ok: false, dsn: err.dsn, message: err.message } : { ok: false, dsn: '4.3.0', message: (err as Error).message })
  .then((reply) => process.stdout.write(`${JSON.stringify(reply)}\n`, () => process.exit(0)));
