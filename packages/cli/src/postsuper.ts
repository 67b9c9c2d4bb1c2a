/*
 * postsuper - queue maintenance, as Postfix's postsuper(1):
 *
 *   postsuper [-psSv] [-c config_dir] [-d queue_id] [-e queue_id] [-f queue_id]
 *             [-h queue_id] [-H queue_id] [-r queue_id] [queue ...]
 *
 * Each of -d -e -f -h -H -r repeats, takes `ALL` (upper case) or `-` (queue IDs on
 * standard input, one per line). Without any of them it does -s and -p. Queue names
 * after the options replace the default queues. Order, as Postfix: one pass over the
 * queues for -s, -p and the ALL forms, then the operations by queue ID (delete,
 * requeue, hold, release, expire). The summary (`Deleted: 3 messages`, ...) goes to
 * standard error and to the log. Released, expired and requeued mail is announced to
 * qmgr / pickup at once. Run as root it works as mail_owner (as Postfix); run as another
 * user it must own the queue directory (the unprivileged embedded instance).
 * Parameters: config_directory (-c or $MAIL_CONFIG), queue_directory, hash_queue_names,
 * hash_queue_depth, mail_owner, maillog_file, queue_service_name, pickup_service_name,
 * trigger_timeout. Operations: postsuper-ops.ts. docs/postsuper.md.
 */
import fs from 'node:fs';
import {
  dropPrivileges, isQueueName, isRoot, lookupUser, QMGR_REQ, spoolFromConfig, TRIGGER_WAKEUP, triggerService,
  type Config, type QueueName,
} from '@mailroom/global';
import { commandLog, type CommandLog } from './cmdlog.js';
import { getopt, GetoptError } from './getopt.js';
import { ACTION, SuperOps } from './postsuper-ops.js';
import { fatal, loadConfigOrDie } from './util.js';

const PROG = 'postsuper';
const USAGE = `usage: ${PROG} [-c config_dir] [-d queue_id (delete)] [-e queue_id (expire)] ` +
  '[-f queue_id (expire and/or un-hold)] [-h queue_id (hold)] [-H queue_id (un-hold)] ' +
  '[-p (purge temporary files)] [-r queue_id (requeue)] [-s (structure fix)] [-S (redundant structure fix)] ' +
  '[-v (verbose)] [queue...]';

/** Postfix's default_queues: log directories first, so -s puts logs in place before messages. */
const DEFAULT_QUEUES: QueueName[] = ['defer', 'bounce', 'trace', 'maildrop', 'incoming', 'active', 'deferred', 'hold', 'flush'];
const DEFAULT_BY_ID: QueueName[] = ['hold', 'incoming', 'active', 'deferred'];
const DEFAULT_HOLD: QueueName[] = ['incoming', 'active', 'deferred'];
const DEFAULT_RELEASE: QueueName[] = ['hold'];

type IdOp = 'd' | 'e' | 'f' | 'h' | 'H' | 'r';
const ALL_ACTION: Record<IdOp, number> = {
  d: ACTION.DELETE_ALL, e: ACTION.EXPIRE_ALL, f: ACTION.EXPIRE_ALL | ACTION.EXPIRE_RELEASE_ALL,
  h: ACTION.HOLD_ALL, H: ACTION.RELEASE_ALL, r: ACTION.REQUEUE_ALL,
};

interface Args {
  configDir?: string;
  verbose: number;
  action: number;
  ids: Record<IdOp, string[]>;
  queues: QueueName[];
}

function parseArgs(argv: readonly string[]): Args {
  let parsed;
  try {
    parsed = getopt(argv, 'c:d:e:f:h:H:pr:sSv');
  } catch (err) {
    if (err instanceof GetoptError) fatal(PROG, USAGE);
    throw err;
  }
  const a: Args = { verbose: 0, action: 0, ids: { d: [], e: [], f: [], h: [], H: [], r: [] }, queues: [] };
  for (const { opt, arg } of parsed.opts) {
    if (opt === 'c') {
      if (!arg?.startsWith('/')) fatal(PROG, '-c requires absolute pathname');
      a.configDir = arg;
    } else if (opt === 'p') a.action |= ACTION.PURGE;
    else if (opt === 's' || opt === 'S') a.action |= ACTION.STRUCT;
    else if (opt === 'v') a.verbose++;
    else if (arg === 'ALL') a.action |= ALL_ACTION[opt as IdOp];
    else a.ids[opt as IdOp].push(arg ?? '');
  }
  for (const q of parsed.args) {
    if (!isQueueName(q)) fatal(PROG, `invalid directory name: ${q}`);
    a.queues.push(q);
  }
  return a;
}

/** becomeOwner - work as mail_owner when root; otherwise the spool must be ours. */
function becomeOwner(config: Config, log: CommandLog): void {
  if (isRoot()) {
    const name = config.get('mail_owner');
    const user = lookupUser(name);
    if (!user) log.fatal(`unknown mail_owner user name: ${name}`);
    if (user.uid === 0) log.fatal(`mail_owner ${name} has privileged user ID`);
    dropPrivileges(user);
    return;
  }
  const st = fs.statSync(config.get('queue_directory'), { throwIfNoEntry: false });
  if (!st) log.fatal(`chdir ${config.get('queue_directory')}: No such file or directory`);
  if (st.uid !== process.getuid?.()) log.fatal('use of this command is reserved for the superuser');
}

/** readIds - queue IDs from standard input, one a line (`-d -`). */
function readIds(): string[] {
  let text = '';
  try {
    text = fs.readFileSync(0, 'utf8');
  } catch {
    return [];
  }
  return text.split('\n').map((l) => l.replace(/\r$/, '')).filter((l) => l !== '');
}

function plural(n: number): string {
  return n > 1 ? 's' : '';
}

/** announce - tell qmgr (released, expired) and pickup (requeued) now, not at their next wakeup. */
async function announce(config: Config, ops: SuperOps): Promise<void> {
  const qdir = config.get('queue_directory');
  const timeout = config.getTime('trigger_timeout') * 1000;
  const send = (service: string, data: string): Promise<void> => triggerService(qdir, `public/${service}`, data, timeout).catch(() => undefined);
  const qmgr = (ops.touched.has('deferred') ? QMGR_REQ.SCAN_DEFERRED : '') + (ops.touched.has('incoming') ? QMGR_REQ.SCAN_INCOMING : '');
  const c = ops.counts;
  if ((c.released > 0 || c.expired > 0) && qmgr) await send(config.get('queue_service_name'), qmgr);
  if (c.requeued > 0) await send(config.get('pickup_service_name'), TRIGGER_WAKEUP);
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const config = loadConfigOrDie(PROG, args.configDir);
  const log = commandLog(PROG, config);
  becomeOwner(config, log);
  const spool = spoolFromConfig(config);
  const ops = new SuperOps(spool, log, args.verbose, Boolean(process.stderr.isTTY));

  let action = args.action;
  const byId = (Object.keys(args.ids) as IdOp[]).some((k) => args.ids[k].length > 0);
  for (const k of Object.keys(args.ids) as IdOp[]) {
    if ((action & ALL_ACTION[k]) === ALL_ACTION[k] && args.ids[k].length > 0) {
      log.warn(`option "-${k} ALL" will ignore other command line queue IDs`);
      args.ids[k] = [];
    }
  }
  if (action === 0 && !byId) action = ACTION.STRUCT | ACTION.PURGE;

  if (action !== 0) {
    let queues = args.queues;
    if (queues.length === 0) {
      if (action === ACTION.HOLD_ALL) queues = DEFAULT_HOLD;
      else if (action === ACTION.RELEASE_ALL) queues = DEFAULT_RELEASE;
      else queues = DEFAULT_QUEUES;
    }
    const label = action & ACTION.DELETE_ALL ? 'Deleted' : action & ACTION.REQUEUE_ALL ? 'Requeued'
      : action & ACTION.HOLD_ALL ? 'Placed on hold' : action & ACTION.EXPIRE_ALL ? 'Force-expired' : 'Released from hold';
    await ops.superPass(queues, action, label);
  }

  // Standard input is read once: a second `-` finds it at its end, as in Postfix.
  let stdinRead = false;
  const each = (list: string[], fn: (id: string) => void): void => {
    for (const id of list) {
      if (id !== '-') fn(id);
      else if (!stdinRead) {
        stdinRead = true;
        readIds().forEach(fn);
      }
    }
  };
  const q = (defaults: QueueName[]): QueueName[] => (args.queues.length > 0 ? args.queues : defaults);
  each(args.ids.d, (id) => ops.deleteOne(q(DEFAULT_BY_ID), id));
  each(args.ids.r, (id) => ops.requeueOne(q(DEFAULT_BY_ID), id));
  each(args.ids.h, (id) => ops.holdOne(q(DEFAULT_HOLD), id));
  each(args.ids.H, (id) => ops.releaseOne(q(DEFAULT_RELEASE), id));
  each(args.ids.e, (id) => ops.expireOne(q(DEFAULT_BY_ID), id, false));
  each(args.ids.f, (id) => ops.expireOne(q(DEFAULT_BY_ID), id, true));

  const c = ops.counts;
  if (c.requeued > 0) log.info(`Requeued: ${c.requeued} message${plural(c.requeued)}`);
  if (c.deleted > 0) log.info(`Deleted: ${c.deleted} message${plural(c.deleted)}`);
  if (c.expired > 0) log.info(`Force-expired: ${c.expired} message${plural(c.expired)}`);
  if (c.held > 0) log.info(`Placed on hold: ${c.held} message${plural(c.held)}`);
  if (c.released > 0) log.info(`Released from hold: ${c.released} message${plural(c.released)}`);
  await announce(config, ops);
}

await main().catch((err: Error) => fatal(PROG, err.message));
