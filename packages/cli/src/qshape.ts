/*
 * qshape - queue domain and age distribution, as Postfix's qshape(1):
 *
 *   qshape [-s] [-p] [-m min_subdomains] [-b bucket_count] [-t bucket_time] [-l]
 *          [-w terminal_width] [-N batch_msg_count] [-n batch_top_domains]
 *          [-c config_directory] [queue_name ...]
 *
 * Default queues: incoming and active (as Postfix). A queue name is a directory under
 * queue_directory, or an absolute path; every subdirectory is searched. A file counts
 * when its name is a queue ID of 6 or more letters and digits and it is a complete
 * (mode 0700) queue file; its age is that of its arrival time record; the addresses
 * counted are its undelivered recipients, or with -s its sender. When standard output
 * is a terminal, interim tables (top batch_top_domains rows, default 20) are shown every
 * batch_msg_count messages (default 1000), and the final table is limited the same way.
 * Table layout: qshape-table.ts. Parameters: config_directory (-c or $MAIL_CONFIG),
 * queue_directory.
 */
import fs from 'node:fs';
import path from 'node:path';
import { readQueueFileSync, strerror } from '@mailroom/global';
import { getopt, GetoptError } from './getopt.js';
import { DEFAULT_SHAPE, QueueShape, type ShapeOptions } from './qshape-table.js';
import { loadConfigOrDie } from './util.js';

const PROG = 'qshape';
const USAGE = `Usage: ${PROG} [ -s ] [ -p ] [ -m <min_subdomains> ] [ -l ]\n` +
  '\t[ -b <bucket_count> ] [ -t <bucket_time> ] [ -w <terminal_width> ]\n' +
  '\t[ -N <batch_msg_count> ] [ -n <batch_top_domains> ]\n' +
  '\t[ -c <config_directory> ] [ <queue_name> ... ]\n';
/** What `clear` prints: home, erase screen. */
const CLEAR = '\x1b[H\x1b[2J';
const NAME = /^[A-Za-z0-9]{6,}$/;

interface Args {
  shape: ShapeOptions;
  sender: boolean;
  configDir?: string;
  batchMsgs?: number;
  batchTop?: number;
  queues: string[];
}

function parseArgs(argv: readonly string[]): Args {
  let parsed;
  try {
    parsed = getopt(argv, 'lhc:psw:b:t:m:n:N:');
  } catch (err) {
    if (!(err instanceof GetoptError)) throw err;
    process.stderr.write(`${PROG}: ${err.message}\n${USAGE}`);
    process.exit(1);
  }
  const a: Args = { shape: { ...DEFAULT_SHAPE }, sender: false, queues: parsed.args };
  const num = (v: string | undefined): number => (/^\d+$/.test(v ?? '') ? Number(v) : 0);
  for (const { opt, arg } of parsed.opts) {
    const n = num(arg);
    switch (opt) {
      case 'h':
        process.stderr.write(USAGE);
        process.exit(1);
        break;
      case 'l': a.shape.linear = true; break;
      case 'p': a.shape.parents = true; break;
      case 's': a.sender = true; break;
      case 'c': a.configDir = arg; break;
      case 'w': if (n > 80) a.shape.width = n; break;
      case 'b': if (n > 0) a.shape.bucketCount = n; break;
      case 't': if (n > 0) a.shape.bucketTime = n; break;
      case 'm': if (n > 0) a.shape.minSubdomains = n; break;
      case 'N': a.batchMsgs = n; break;
      case 'n': a.batchTop = n; break;
    }
  }
  return a;
}

/** files - every file below `dir` (depth first), as File::Find walks it. */
function* files(dir: string): Generator<string> {
  let entries: fs.Dirent[];
  try {
    entries = fs.readdirSync(dir, { withFileTypes: true });
  } catch (err) {
    process.stderr.write(`${PROG}: Can't stat ${dir}: ${strerror(err)}\n`);
    return;
  }
  for (const e of entries) {
    if (e.isDirectory()) yield* files(path.join(dir, e.name));
    else if (e.isFile() && NAME.test(e.name)) yield path.join(dir, e.name);
  }
}

function main(): void {
  const args = parseArgs(process.argv.slice(2));
  let queues = args.queues.length > 0 ? args.queues : ['incoming', 'active'];
  if (queues.some((q) => !path.isAbsolute(q))) {
    const qdir = loadConfigOrDie(PROG, args.configDir).get('queue_directory');
    queues = queues.map((q) => path.resolve(qdir, q));
  }
  const tty = Boolean(process.stdout.isTTY);
  const batchMsgs = tty ? (args.batchMsgs ?? 1000) : 0;
  const batchTop = tty ? (args.batchTop ?? 20) : 0;
  process.stdout.on('error', (err: NodeJS.ErrnoException) => process.exit(err.code === 'EPIPE' ? 0 : 1));

  const shape = new QueueShape(args.shape);
  const now = Math.floor(Date.now() / 1000);
  let msgs = 0;
  for (const dir of queues) {
    for (const file of files(dir)) {
      const st = fs.lstatSync(file, { throwIfNoEntry: false });
      if (!st || (st.mode & 0o733) !== 0o700) continue;
      let qf;
      try {
        qf = readQueueFileSync(file);
      } catch {
        continue; // vanished, incomplete or not a queue file
      }
      const rcpts = qf.recipients.filter((r) => !r.done).map((r) => r.address);
      if (rcpts.length === 0) continue;
      shape.add(now - Math.floor(qf.arrivalTime / 1000), args.sender ? [qf.sender] : rcpts);
      if (batchMsgs > 0 && ++msgs % batchMsgs === 0) process.stdout.write(CLEAR + shape.render(batchTop));
    }
  }
  process.stdout.write((batchMsgs > 0 ? CLEAR : '') + shape.render(batchTop));
}

main();
