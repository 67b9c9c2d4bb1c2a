/*
 * harness - a throw-away instance for the queue administration tests (postsuper, qshape,
 * postlog): a temporary config and spool; master with pickup, cleanup, qmgr,
 * trivial-rewrite, bounce, virtual, the error/retry agents and (when built) showq.
 * Domain example.com is delivered by virtual(8) into Maildirs under $dir/mail;
 * moved.example is routed by transport_maps (texthash file, changed with setTransport +
 * reload) to `retry:`, so its mail stays deferred until the route changes. Mail whose
 * Subject starts with "held" is put on hold by header_checks. Runs as root (daemons drop
 * to `nobody`) or as an ordinary user; cleanup() kills every process and removes the files.
 */
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createSpool, lookupUser, QueueFileWriter, Spool, type QueueEnvelopeSpec } from '@mailroom/global';
import { baseMainCf, BIN, isRoot, masterCf, ROOT, waitFor } from '../lib/common.js';
import * as submission from '../submission/instance.js';

export { BIN, isRoot, ROOT, waitFor };
export const { cleanup, logMessages, startMaster } = submission;

export interface Instance extends submission.Instance {
  mail: string;
  queue: Spool;
}

export const hasShowq = fs.existsSync(path.join(ROOT, 'packages/showq/dist/main.js')) && fs.existsSync(path.join(BIN, 'postqueue'));

const SERVICES = ['pickup', 'cleanup', 'qmgr', 'rewrite', 'bounce', 'defer', 'trace', 'virtual', 'error', 'retry', ...(hasShowq ? ['showq'] : [])];

const owner = isRoot ? lookupUser('nobody') : undefined;

/** makeInstance - submission's instance (config, spool by `postfix check`) with these services and settings. */
export function makeInstance(extraMainCf = ''): Instance {
  const inst: Instance = { ...submission.makeInstance(), mail: '', queue: new Spool('/') };
  inst.mail = path.join(inst.dir, 'mail');
  inst.queue = new Spool(inst.spool);
  fs.mkdirSync(inst.mail, { mode: 0o755 });
  const uid = owner?.uid ?? process.getuid?.() ?? 0;
  const gid = owner?.gid ?? process.getgid?.() ?? 0;
  if (owner) fs.chownSync(inst.mail, uid, gid);
  fs.appendFileSync(path.join(inst.etc, 'main.cf'), [
    'virtual_mailbox_domains = example.com, moved.example',
    `virtual_mailbox_base = ${inst.mail}`,
    'virtual_mailbox_maps = inline:{ alice@example.com=example.com/alice/, bob@example.com=example.com/bob/, carol@moved.example=moved.example/carol/ }',
    `virtual_uid_maps = static:${uid}`, `virtual_gid_maps = static:${gid}`,
    `transport_maps = texthash:${path.join(inst.etc, 'transport')}`,
    `header_checks = regexp:${path.join(inst.etc, 'header_checks')}`,
    extraMainCf, '',
  ].join('\n'));
  fs.writeFileSync(path.join(inst.etc, 'master.cf'), masterCf(SERVICES));
  fs.writeFileSync(path.join(inst.etc, 'header_checks'), '/^Subject: held/ HOLD held for review\n');
  setTransport(inst, 'moved.example retry:4.3.2 moved.example is not reachable yet\n');
  return inst;
}

/** setTransport - rewrite the transport_maps file (daemons see it after reload()). */
export function setTransport(inst: Instance, text: string): void {
  fs.writeFileSync(path.join(inst.etc, 'transport'), text);
}

/** daemonPids - PIDs of master's children (its process group) running these programs. */
function daemonPids(inst: Instance, programs: readonly string[]): number[] {
  const out = spawnSync('ps', ['-eo', 'pid=,pgid=,args='], { encoding: 'utf8' }).stdout;
  return out.split('\n').map((l) => l.trim().split(/\s+/)).filter((f) => Number(f[1]) === inst.master?.pid && programs.includes(f[2] ?? ''))
    .map((f) => Number(f[0]));
}

/**
 * reload - SIGHUP master (postfix reload); wait until it has re-read the configuration and
 * the old qmgr and trivial-rewrite have exited (until then they route with the old tables).
 */
export async function reload(inst: Instance): Promise<void> {
  const before = logMessages(inst).length;
  const old = daemonPids(inst, ['qmgr', 'trivial-rewrite']);
  inst.master?.kill('SIGHUP');
  await waitFor('master to reload', () => logMessages(inst).slice(before).some((l) => l.startsWith('reload -- ')), 20_000);
  await waitFor('old qmgr and trivial-rewrite to exit', () => {
    const now = daemonPids(inst, ['qmgr', 'trivial-rewrite']);
    return old.every((pid) => !now.includes(pid));
  }, 20_000);
}

/** run - a command from bin/ with MAIL_CONFIG pointing at the instance. */
export function run(inst: Instance, cmd: string, args: string[], input = ''): SpawnSyncReturns<string> {
  return submission.run(inst, cmd, args, { input });
}

/** send - submit a message with sendmail. */
export function send(inst: Instance, sender: string, rcpt: string, subject: string): void {
  const r = run(inst, 'sendmail', ['-f', sender, rcpt], `From: ${sender}\nTo: ${rcpt}\nSubject: ${subject}\n\nbody of ${subject}\n`);
  if (r.status !== 0) throw new Error(`sendmail failed: ${r.stderr}`);
}

/** idInQueue - wait until a complete file with this Subject is in `queue`; its queue ID. */
export async function idInQueue(inst: Instance, queue: string, subject: string, ms = 20_000): Promise<string> {
  let found: string | undefined;
  await waitFor(`"${subject}" in ${queue}/`, () => (found = findBySubject(inst, queue, subject)) !== undefined, ms);
  return found as string;
}

/** findBySubject - the queue ID of a complete file in `queue` whose content has this Subject. */
export function findBySubject(inst: Instance, queue: string, subject: string): string | undefined {
  for (const file of filesIn(path.join(inst.spool, queue))) {
    const st = fs.statSync(file, { throwIfNoEntry: false });
    if (!st || (st.mode & 0o100) === 0) continue;
    if (fs.readFileSync(file, 'latin1').includes(`\nSubject: ${subject}\n`)) return path.basename(file);
  }
  return undefined;
}

/** filesIn - regular files below `dir`, recursively. */
export function filesIn(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .map((f) => path.join(dir, f))
    .filter((f) => fs.lstatSync(f, { throwIfNoEntry: false })?.isFile());
}

/** delivered - the messages in a Maildir's new/ that have this Subject. */
export function delivered(inst: Instance, mailbox: string, subject: string): string[] {
  return filesIn(path.join(inst.mail, mailbox, 'new')).filter((f) => fs.readFileSync(f, 'utf8').includes(`Subject: ${subject}`));
}

// ------------------------------------------------------------------ spools without master

/** makeSpool - a config and spool for commands only (no daemons). */
export function makeSpool(extraMainCf = ''): Instance {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mailroom-queueadm-'));
  fs.chmodSync(dir, 0o755);
  const inst: Instance = {
    dir, etc: path.join(dir, 'etc'), spool: path.join(dir, 'spool'), logFile: path.join(dir, 'maillog'),
    mail: path.join(dir, 'mail'), queue: createSpool(path.join(dir, 'spool')),
  };
  fs.mkdirSync(inst.etc, { mode: 0o755 });
  fs.writeFileSync(path.join(inst.etc, 'main.cf'), `${baseMainCf(inst.spool, inst.logFile).join('\n')}\n${extraMainCf}\n`);
  fs.writeFileSync(path.join(inst.etc, 'master.cf'), '');
  chownSpool(inst);
  return inst;
}

/** chownSpool - give the spool to mail_owner (nobody) when root, as a running system has it. */
export function chownSpool(inst: Instance): void {
  if (owner) spawnSync('chown', ['-R', `${owner.uid}:${owner.gid}`, inst.spool]);
}

export interface Queued {
  queue?: 'incoming' | 'active' | 'deferred' | 'hold' | 'maildrop' | 'corrupt';
  sender?: string;
  recipients: string[];
  /** Arrival this many seconds ago. */
  ageSec?: number;
  envelope?: Partial<QueueEnvelopeSpec>;
}

/** queueFile - write a complete queue file directly into a queue; returns its ID. */
export async function queueFile(inst: Instance, q: Queued): Promise<string> {
  const w = new QueueFileWriter(inst.queue, { queue: q.queue ?? 'deferred' });
  w.setEnvelope({ sender: q.sender ?? 'sender@example.org', arrivalTime: Date.now() - (q.ageSec ?? 0) * 1000, ...q.envelope });
  for (const r of q.recipients) w.addRecipient({ address: r });
  await w.writeContent(Buffer.from('Subject: test\n\nbody\n'));
  const id = await w.commit();
  if (owner) fs.chownSync(w.path, owner.uid, owner.gid);
  return id;
}
