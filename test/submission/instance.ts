/*
 * instance - a throw-away Mailroom instance for the local submission tests: a temporary
 * config and spool, master with pickup, cleanup and trivial-rewrite (no qmgr, so
 * accepted mail stays in incoming/ to be looked at), and helpers to run sendmail, read
 * the queue and the log. Runs as root (children drop to `nobody`) or as an ordinary
 * user. cleanup() kills every process started and removes the files.
 */
import { spawn, spawnSync, type ChildProcess, type SpawnSyncReturns } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openContentStream, readQueueFileSync, Spool, type QueueFile } from '@mailroom/global';

import { baseMainCf, BIN, isRoot, killGroup, logFileMessages, MASTER, ROOT, waitFor as waitForCommon } from '../lib/common.js';

export { BIN, isRoot, ROOT };

/** waitFor - poll until `pred` holds (20 s by default: submissions start several daemons). */
export function waitFor(what: string, pred: () => boolean, ms = 20_000): Promise<void> {
  return waitForCommon(what, pred, ms);
}

/** logMessages - the `msg` of every JSON line in the instance's log. */
export function logMessages(inst: Instance): string[] {
  return logFileMessages(inst.logFile);
}

export interface Instance {
  dir: string;
  etc: string;
  spool: string;
  logFile: string;
  master?: ChildProcess;
}

export const MASTER_CF = [
  'pickup    unix  n       -       n       60      1       pickup',
  'cleanup   unix  n       -       n       -       0       cleanup',
  'rewrite   unix  -       -       n       -       -       trivial-rewrite',
].join('\n');

/** makeInstance - config and spool (created by `postfix check`, with Postfix's modes). */
export function makeInstance(mainCf = ''): Instance {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mailroom-submit-'));
  fs.chmodSync(dir, 0o755); // children dropped to mail_owner, and other submitters, must reach it
  const inst: Instance = { dir, etc: path.join(dir, 'etc'), spool: path.join(dir, 'spool'), logFile: path.join(dir, 'maillog') };
  fs.mkdirSync(inst.etc, { mode: 0o755 });
  const base = baseMainCf(inst.spool, inst.logFile, ['myhostname = mail.example.test', 'mydomain = example.test', 'mydestination = $myhostname, localhost']);
  fs.writeFileSync(path.join(inst.etc, 'main.cf'), `${base.join('\n')}\n${mainCf}\n`);
  fs.writeFileSync(path.join(inst.etc, 'master.cf'), `${MASTER_CF}\n`);
  const r = run(inst, 'postfix', ['-c', inst.etc, 'check']);
  if (r.status !== 0) throw new Error(`postfix check failed: ${r.stderr}`);
  return inst;
}

/** startMaster - run master in its own process group; resolves once it logs that it started. */
export async function startMaster(inst: Instance): Promise<void> {
  const before = logMessages(inst).length;
  const p = spawn(process.execPath, [MASTER, '-c', inst.etc], { detached: true, stdio: ['ignore', 'ignore', 'pipe'] });
  p.stderr?.resume();
  inst.master = p;
  await waitFor('master to start', () => logMessages(inst).slice(before).some((l) => l.startsWith('daemon started -- ')));
}

/** stopMaster - SIGTERM master and wait until it is gone. */
export async function stopMaster(inst: Instance): Promise<void> {
  const p = inst.master;
  if (!p || p.exitCode !== null) return;
  const gone = new Promise((r) => p.once('exit', r));
  p.kill('SIGTERM');
  await Promise.race([gone, new Promise((r) => setTimeout(r, 10_000))]);
  inst.master = undefined;
}

export interface RunOptions {
  input?: string | Buffer;
  uid?: number;
  gid?: number;
  env?: Record<string, string>;
}

/** run - a command from bin/ with MAIL_CONFIG pointing at the instance. */
export function run(inst: Instance, cmd: string, args: string[], opts: RunOptions = {}): SpawnSyncReturns<string> {
  return spawnSync(path.join(BIN, cmd), args, {
    input: opts.input ?? '',
    encoding: 'utf8',
    timeout: 30_000,
    uid: opts.uid,
    gid: opts.gid,
    env: { ...process.env, MAIL_CONFIG: inst.etc, ...opts.env },
  });
}

/** queueFiles - the IDs in one queue, sorted. */
export function queueFiles(inst: Instance, queue: string): string[] {
  try {
    return fs.readdirSync(path.join(inst.spool, queue)).filter((n) => /^[0-9A-Za-z]+$/.test(n)).sort();
  } catch {
    return [];
  }
}

export interface QueuedMessage {
  qf: QueueFile;
  content: string;
}

/** readQueued - envelope and content of a queue file. */
export async function readQueued(inst: Instance, queue: 'incoming' | 'maildrop', id: string): Promise<QueuedMessage> {
  const qf = readQueueFileSync(new Spool(inst.spool).path(queue, id));
  const parts: Buffer[] = [];
  for await (const c of openContentStream(qf) as AsyncIterable<Buffer>) parts.push(c);
  return { qf, content: Buffer.concat(parts).toString('utf8') };
}

/** completeFiles - the IDs in a queue whose files are complete (owner-execute bit set). */
export function completeFiles(inst: Instance, queue: string): string[] {
  return queueFiles(inst, queue).filter((id) => {
    const st = fs.statSync(path.join(inst.spool, queue, id), { throwIfNoEntry: false });
    return st !== undefined && (st.mode & 0o100) !== 0;
  });
}

/** waitIncoming - wait until incoming/ holds `n` complete messages; returns them. */
export async function waitIncoming(inst: Instance, n: number, ms = 20_000): Promise<QueuedMessage[]> {
  await waitFor(`${n} message(s) in incoming/`, () => completeFiles(inst, 'incoming').length >= n, ms).catch((err: Error) => {
    throw new Error(`${err.message}; log:\n${logMessages(inst).slice(-15).join('\n')}`);
  });
  return Promise.all(completeFiles(inst, 'incoming').map((id) => readQueued(inst, 'incoming', id)));
}



/** header - the value of the first header `name` in a message, or undefined. */
export function header(content: string, name: string): string | undefined {
  const head = content.split(/\r?\n\r?\n/)[0] ?? '';
  const m = new RegExp(`^${name}:[ \\t]*(.*(?:\\r?\\n[ \\t].*)*)`, 'im').exec(head);
  return m?.[1]?.replace(/\r?\n[ \t]+/g, ' ');
}

/** cleanup - stop master (its whole group) and remove the instance. */
export function cleanup(inst: Instance): void {
  killGroup(inst.master?.pid);
  fs.rmSync(inst.dir, { recursive: true, force: true });
}
