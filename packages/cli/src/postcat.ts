/*
 * postcat - show queue file contents, compatible with Postfix's postcat(1).
 *
 *   postcat [-bdehoqrv] [-c config_dir] [-s offset] [files...]
 *
 * Without -b, -e or -h it prints everything (as -beh). -q takes queue IDs and looks
 * in maildrop, incoming, active, deferred, hold and saved under queue_directory (as
 * Postfix), then in corrupt; without files it reads standard input. -o prints record
 * offsets, -s starts at such an offset; -r (records in file order, without following
 * pointer records) is what Mailroom always does: its queue files have no pointers. Parameters: config_directory (-c or
 * $MAIL_CONFIG), queue_directory, hash_queue_names, hash_queue_depth.
 */
import fs from 'node:fs';
import { Command } from 'commander';
import {
  bufferSource, dumpQueueFile, fileSource, findQueueFile, isQueueId, QueueDumpError, SEARCH_QUEUES,
  spoolFromConfig, strerror, type DumpFlags, type DumpSource,
} from '@mailroom/global';
import { fatal, loadConfigOrDie, warn } from './util.js';

const PROG = 'postcat';
const USAGE = 'usage: postcat [-b (body text)] [-c config_dir] [-d (decimal record type)] [-e (envelope records)] ' +
  '[-h (header text)] [-o (print offsets)] [-q (access queue)] [-r (print records in file order)] ' +
  '[-s offset] [-v] [file(s)...]';
/** Postfix's queue order for -q, then corrupt/ (where a damaged file may have gone). */
const CAT_QUEUES = [...SEARCH_QUEUES, 'corrupt'] as const;



/** Output buffered into large writes; standard output is synchronous for files and pipes. */
function makeSink(): { out: (c: string | Buffer) => void; flush: () => void } {
  let parts: Buffer[] = [];
  let size = 0;
  const flush = (): void => {
    if (size > 0) process.stdout.write(Buffer.concat(parts, size));
    parts = [];
    size = 0;
  };
  const out = (c: string | Buffer): void => {
    const b = typeof c === 'string' ? Buffer.from(c, 'utf8') : c;
    parts.push(b);
    size += b.length;
    if (size >= 64 * 1024) flush();
  };
  return { out, flush };
}

function show(src: DumpSource, name: string, flags: DumpFlags, sink: ReturnType<typeof makeSink>): void {
  try {
    const warning = dumpQueueFile(src, name, flags, sink.out);
    sink.flush();
    if (warning) warn(PROG, warning);
  } catch (err) {
    sink.flush();
    if (!(err instanceof QueueDumpError)) throw err;
    warn(PROG, err.message);
    fatal(PROG, 'record read error');
  }
}

function showFile(file: string, name: string, flags: DumpFlags, sink: ReturnType<typeof makeSink>, what: string): void {
  let fd: number;
  try {
    fd = fs.openSync(file, 'r');
  } catch (err) {
    return fatal(PROG, `${what}: ${strerror(err)}`);
  }
  try {
    show(fileSource(fd), name, flags, sink);
  } finally {
    fs.closeSync(fd);
  }
}

function main(): void {
  const program = new Command(PROG)
    .helpOption(false)
    .option('-b').option('-c <config_dir>').option('-d').option('-e').option('-h').option('-o').option('-q').option('-r').option('-s <offset>')
    .option('-v', 'verbose', (_v: string, prev: number) => prev + 1, 0)
    .argument('[files...]')
    .configureOutput({ writeErr: () => undefined })
    .exitOverride(() => fatal(PROG, USAGE))
    .parse();
  const o = program.opts<{ b?: boolean; c?: string; d?: boolean; e?: boolean; h?: boolean; o?: boolean; q?: boolean; r?: boolean; s?: string; v: number }>();
  if (o.s !== undefined && !/^\d+$/.test(o.s)) fatal(PROG, `bad offset value: ${o.s}`);
  const all = !o.b && !o.e && !o.h;
  const flags: DumpFlags = {
    envelope: all || Boolean(o.e), header: all || Boolean(o.h), body: all || Boolean(o.b),
    offsets: Boolean(o.o), decimal: Boolean(o.d), verbose: o.v,
  };
  if (o.s !== undefined) flags.start = Number(o.s);
  const config = loadConfigOrDie(PROG, o.c);
  const sink = makeSink();
  process.stdout.on('error', (err: NodeJS.ErrnoException) => process.exit(err.code === 'EPIPE' ? 0 : 1));
  const files = program.args;
  if (files.length === 0) {
    show(bufferSource(fs.readFileSync(0)), 'stdin', flags, sink);
  } else if (o.q) {
    const spool = spoolFromConfig(config);
    for (const id of files) {
      if (!isQueueId(id)) fatal(PROG, `bad mail queue ID: ${id}`);
      // Twice, as Postfix: the file may move between queues while we look.
      const found = findQueueFile(spool, id, CAT_QUEUES) ?? findQueueFile(spool, id, CAT_QUEUES);
      if (!found) fatal(PROG, `open queue file ${id}: No such file or directory`);
      showFile(found.path, spool.relativePath(found.queue, id), flags, sink, `open queue file ${id}`);
    }
  } else {
    for (const file of files) showFile(file, file, flags, sink, `open ${file}`);
  }
  sink.flush();
}

main();
