/*
 * sendmail - the Sendmail-compatible interface, as Postfix's sendmail(1).
 *
 *   sendmail [option ...] [recipient ...]      (mailq = sendmail -bp, newaliases = -bi)
 *
 * Delivery mode reads the message on standard input and leaves it in maildrop/ for
 * pickup, so it works while the mail system is stopped. Other modes hand over to
 * postqueue, newaliases or postfix, or run an SMTP dialogue on standard input and
 * output (-bs); -bp and mailq (this program under that name) run postqueue -p's code
 * in this process. Every flag and exit status is in docs/sendmail.md.
 * Reads: queue_directory and what submit-enqueue, submit-smtp and submit-drop read.
 */
import path from 'node:path';
import { parseSendmailArgs, UsageError, type SendmailOptions } from './submit-args.js';
import { enqueue } from './submit-enqueue.js';
import { wakePickup } from './submit-drop.js';
import { showQueue } from './postqueue-show.js';
import { commandPath, runCommand } from './submit-run.js';
import { smtpSession } from './submit-smtp.js';
import { EX_SOFTWARE, EX_TEMPFAIL, EX_UNAVAILABLE } from './submit-sysexits.js';
import { fatal, loadConfigOrDie, warn } from './util.js';

const PROG = path.basename(process.argv[1] ?? 'sendmail');

function verboseArgs(opts: SendmailOptions): string[] {
  return Array.from({ length: opts.verbose }, () => '-v');
}

async function run(opts: SendmailOptions): Promise<void> {
  for (const w of opts.warnings) warn(PROG, w);
  if (opts.queueInterval !== undefined && opts.mode !== 'daemon') process.exit(0); // -q1h: ignored
  const config = loadConfigOrDie(PROG, opts.configDir, undefined, EX_TEMPFAIL);
  const dir = opts.configDir ?? (process.env.MAIL_CONFIG || undefined);
  const v = verboseArgs(opts);
  switch (opts.mode) {
    case 'enqueue': {
      if (opts.flushSite !== undefined) runCommand(PROG, 'postqueue', ['-s', opts.flushSite, ...v], dir, '-qR');
      if (opts.flushId !== undefined) runCommand(PROG, 'postqueue', ['-i', opts.flushId, ...v], dir, '-qI');
      try {
        process.chdir(config.get('queue_directory'));
      } catch (err) {
        fatal(PROG, `chdir ${config.get('queue_directory')}: ${(err as Error).message}`, EX_UNAVAILABLE);
      }
      const id = await enqueue(PROG, config, opts);
      if (opts.verbose > 0) process.stderr.write(`${PROG}: maildrop/${id}: queued\n`);
      return;
    }
    case 'mailq':
      // mailq and -bp are `postqueue -p` (Postfix execs it); the same code, in this process.
      return showQueue('postqueue', config, 'mailq', process.geteuid?.() === 0 ? opts.verbose : 0);
    case 'flush':
      await wakePickup(config); // as Postfix's postqueue -f: the maildrop too
      if (commandPath('postqueue')) return runCommand(PROG, 'postqueue', ['-f', ...v], dir, 'queue flush (-q)');
      return runCommand(PROG, 'postfix', ['flush'], dir, 'queue flush (-q)');
    case 'daemon':
      return runCommand(PROG, 'postfix', [...v, 'start'], dir, 'daemon mode (-bd)');
    case 'newaliases':
      return runCommand(PROG, 'newaliases', [...(opts.aliasDatabase ? [`-oA${opts.aliasDatabase}`] : []), ...v], dir, 'alias initialization (-bi)');
    case 'smtp':
      return smtpSession(PROG, config);
    case 'verify':
      return fatal(PROG, 'address verification (-bv) is not supported', EX_UNAVAILABLE);
    case 'ignore':
      return;
  }
}

let opts: SendmailOptions;
try {
  opts = parseSendmailArgs(process.argv.slice(2), PROG);
} catch (err) {
  if (err instanceof UsageError) fatal(PROG, err.message, err.status);
  throw err;
}
run(opts).then(
  () => process.exit(0),
  (err: Error) => fatal(PROG, `internal error: ${err.stack ?? err.message}`, EX_SOFTWARE),
);
