/*
 * postqueue - the Postfix user interface for queue listing and flushing (postqueue(1)):
 *
 *   postqueue [-v] [-c config_dir] -f | -i queue_id | -j | -p | -s site
 *
 * -p prints the queue as mailq does, -j as JSON lines (postqueue-show.ts, through the
 * showq service); -f, -s and -i ask the queue manager to deliver now
 * (postqueue-flush.ts). Exactly one of them; exit statuses and messages are Postfix's
 * (docs/postqueue.md). Reads: config_directory (-c or $MAIL_CONFIG) and what
 * postqueue-show.ts and postqueue-flush.ts read.
 */
import { Command } from 'commander';
import { flushFile, flushQueue, flushSite } from './postqueue-flush.js';
import { showQueue } from './postqueue-show.js';
import { EX_SOFTWARE, EX_UNAVAILABLE, EX_USAGE } from './submit-sysexits.js';
import { fatal, loadConfigOrDie } from './util.js';

const PROG = 'postqueue';
const USAGE = 'usage: postqueue -f | postqueue -i queueid | postqueue -j | postqueue -p | postqueue -s site';

interface Opts {
  c?: string;
  f?: boolean;
  i?: string;
  j?: boolean;
  p?: boolean;
  s?: string;
  v: number;
}

async function main(): Promise<void> {
  const program = new Command(PROG)
    .helpOption(false)
    .option('-c <config_dir>').option('-f').option('-i <queue_id>').option('-j').option('-p').option('-s <site>')
    .option('-v', 'verbose', (_v: string, prev: number) => prev + 1, 0)
    .configureOutput({ writeErr: () => undefined })
    .exitOverride(() => fatal(PROG, USAGE, EX_USAGE))
    .parse();
  const o = program.opts<Opts>();
  const modes = [o.f, o.i !== undefined, o.j, o.p, o.s !== undefined].filter(Boolean).length;
  if (modes !== 1 || program.args.length > 0) fatal(PROG, USAGE, EX_USAGE);
  const config = loadConfigOrDie(PROG, o.c, undefined, EX_UNAVAILABLE);
  if (o.p || o.j) await showQueue(PROG, config, o.p ? 'mailq' : 'json', process.geteuid?.() === 0 ? o.v : 0);
  else if (o.f) await flushQueue(PROG, config);
  else if (o.s !== undefined) await flushSite(PROG, config, o.s);
  else if (o.i !== undefined) await flushFile(PROG, config, o.i);
}

main().then(
  () => process.exit(0),
  (err: Error) => fatal(PROG, `internal error: ${err.stack ?? err.message}`, EX_SOFTWARE),
);
