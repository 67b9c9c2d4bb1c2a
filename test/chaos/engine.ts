/*
 * chaos/engine - fault injection against a whole, real Mailroom instance (issue 9).
 *
 * A throw-away instance (temporary config and spool, the real master and daemons, smtpd
 * on a loopback port) delivers into a Maildir with the virtual agent (domain v.test) and
 * relays through the smtp agent to Postfix's `smtp-sink -d`, which dumps each message to
 * its own file (domain r.test); some messages go to both. Clients send `n` messages with
 * unique Message-IDs; only those answered `250` after DATA count as accepted. Meanwhile
 * master's children are killed with SIGKILL at random moments, and once master itself,
 * after which the instance is started again with `bin/postfix -c DIR start`. Then the
 * queue is left to drain (bounded) and every accepted message is looked for in the
 * Maildir, the sink's dump files and the queue:
 *   lost        accepted, not delivered to some destination, and not in the queue (must be 0)
 *   duplicate   delivered more than once to one destination (reported)
 *   queued      still in the queue when the drain ended (reported)
 * Used by scripts/chaos.mjs (`npm run chaos`) and test/chaos/chaos.test.ts (a small run).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { freePort, isRoot, masterCf, ROOT } from '../lib/common.js';
import { ps, type PsRow as Proc } from '../master/instance.js';
import { lookupUser } from '@mailroom/global';
import { seededRandom } from '@mailroom/global/testing';

const POSTFIX = path.join(ROOT, 'bin/postfix');

/** Services that may be killed (by argv0, as master names its children). */
export const VICTIMS = ['qmgr', 'cleanup', 'smtp', 'virtual', 'smtpd', 'trivial-rewrite', 'pickup', 'bounce'] as const;

export interface ChaosOptions {
  /** Messages to send. */
  n: number;
  /** Concurrent client sessions. */
  sessions?: number;
  /** Messages per client connection. */
  perConnection?: number;
  /** Kill a child every minKillMs..maxKillMs while sending; 0 kills disables them. */
  minKillMs?: number;
  maxKillMs?: number;
  /** Most child kills in all (default unlimited). */
  maxKills?: number;
  /** Kill master once (when about half of the messages are sent) and restart. */
  killMaster?: boolean;
  /** Longest wait for the queue to drain after sending, ms. */
  drainMs?: number;
  /** Seed of the pseudo-random choices (victims, moments, sizes). */
  seed?: number;
  /** Services to kill (default VICTIMS). */
  victims?: readonly string[];
  /** smtp-sink answers the end of DATA after 1 s or more, now and then (deliveries in flight when qmgr dies). */
  slowSink?: boolean;
  /** Keep the instance directory (for a look after a failure). */
  keep?: boolean;
  /** Progress lines. */
  log?: (line: string) => void;
}

export interface ChaosResult {
  dir: string;
  sent: number;
  accepted: number;
  /** Attempts that got a 4xx/5xx or lost their connection (retried up to 4 times). */
  refused: number;
  /** Attempts whose end of DATA got no reply (connection lost): may or may not be queued. */
  unknown: number;
  expected: number;
  delivered: number;
  lost: string[];
  duplicates: string[];
  /** Duplicates per destination: Maildir (virtual) and sink (smtp). */
  duplicatesMaildir: number;
  duplicatesSink: number;
  queued: number;
  /** Incomplete files left by a killed cleanup (never acknowledged with 250). */
  incomplete: number;
  kills: Record<string, number>;
  masterKills: number;
  bounces: number;
  seconds: number;
}

// ------------------------------------------------------------------ helpers

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** filesUnder - every regular file below `dir` (none when it does not exist). */
function filesUnder(dir: string): string[] {
  const out: string[] = [];
  let names: fs.Dirent[];
  try {
    names = fs.readdirSync(dir, { withFileTypes: true });
  } catch {
    return out;
  }
  for (const d of names) {
    const p = path.join(dir, d.name);
    if (d.isDirectory()) out.push(...filesUnder(p));
    else if (d.isFile()) out.push(p);
  }
  return out;
}

/** MARK - the Message-ID of a chaos message: `<chaos.RUN.I.ATTEMPT@chaos.test>`. */
const MARK = /^Message-ID:\s*<(chaos\.[0-9a-z]+\.\d+\.\d+)@chaos\.test>/im;

/** markOf - the Message-ID of the message at the top of a file (its header only). */
function markOf(text: string): string | undefined {
  const end = text.search(/\r?\n\r?\n/);
  return MARK.exec(end < 0 ? text : text.slice(0, end))?.[1];
}

// ------------------------------------------------------------------ the instance

export interface Instance {
  dir: string;
  etc: string;
  spool: string;
  vmail: string;
  sinkDir: string;
  logFile: string;
  smtpPort: number;
  sink?: ChildProcess;
}

export interface InstanceOptions {
  slowSink?: boolean;
  /** More main.cf lines (they win over the defaults above them). */
  mainCf?: string[];
}

/** makeInstance - config, directories and the sink; the spool is made by start(). */
export async function makeInstance(o: InstanceOptions = {}): Promise<Instance> {
  const slowSink = o.slowSink ?? false;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mailroom-chaos-'));
  fs.chmodSync(dir, 0o755);
  const inst: Instance = {
    dir, etc: path.join(dir, 'etc'), spool: path.join(dir, 'spool'), vmail: path.join(dir, 'vmail'), sinkDir: path.join(dir, 'sink'),
    logFile: path.join(dir, 'maillog'), smtpPort: await freePort(),
  };
  for (const d of [inst.etc, inst.vmail, inst.sinkDir]) fs.mkdirSync(d, { mode: 0o755 });
  const sinkPort = await freePort();
  const uid = isRoot ? (lookupUser('nobody')?.uid ?? 65534) : (process.getuid?.() ?? 0);
  const gid = isRoot ? (lookupUser('nobody')?.gid ?? 65534) : (process.getgid?.() ?? 0);
  if (isRoot) fs.chownSync(inst.sinkDir, uid, gid);
  const main = [
    `queue_directory = ${inst.spool}`,
    `maillog_file = ${inst.logFile}`,
    `daemon_directory = ${path.join(ROOT, 'packages')}`,
    'mail_owner = nobody',
    'myhostname = mx.chaos.test',
    'mydomain = chaos.test',
    'mydestination =',
    'mynetworks = 127.0.0.0/8',
    'inet_interfaces = loopback-only',
    'inet_protocols = ipv4',
    'service_throttle_time = 1s',
    'minimal_backoff_time = 1s',
    'maximal_backoff_time = 2s',
    'queue_run_delay = 1s',
    'transport_retry_time = 1s',
    'virtual_mailbox_domains = v.test',
    `virtual_mailbox_base = ${inst.vmail}`,
    'virtual_mailbox_maps = inline:{ @v.test=v.test/all/ }',
    `virtual_uid_maps = static:${uid}`,
    `virtual_gid_maps = static:${gid}`,
    `virtual_minimum_uid = ${Math.min(uid, 100)}`,
    'relay_domains = r.test',
    'alias_maps =',
    'local_recipient_maps =',
    `transport_maps = inline:{ r.test=smtp:[127.0.0.1]:${sinkPort} }`,
    ...(o.mainCf ?? []),
  ];
  const services = ['pickup', 'cleanup', 'qmgr', 'rewrite', 'bounce', 'defer', 'trace', 'smtp', 'virtual'];
  fs.writeFileSync(path.join(inst.etc, 'main.cf'), `${main.join('\n')}\n`);
  fs.writeFileSync(path.join(inst.etc, 'master.cf'), `127.0.0.1:${inst.smtpPort} inet n - n - - smtpd\n${masterCf(services)}`);
  const args = ['-c', ...(slowSink ? ['-W', '.:1:50'] : []), '-d', path.join(inst.sinkDir, '%H%M%S.'), ...(isRoot ? ['-u', 'nobody'] : []), `127.0.0.1:${sinkPort}`, '256'];
  inst.sink = spawn('smtp-sink', args, { stdio: 'ignore' });
  return inst;
}

/** checkInstance - `postfix check`: creates the spool with its modes. */
export function checkInstance(inst: Instance): void {
  const chk = postfix(inst, 'check');
  if (chk.status !== 0) throw new Error(`postfix check: ${chk.out}`);
}

function postfix(inst: Instance, ...args: string[]): { status: number | null; out: string } {
  const r = spawnSync(POSTFIX, ['-c', inst.etc, ...args], { encoding: 'utf8', timeout: 60_000 });
  return { status: r.status, out: `${r.stdout}${r.stderr}` };
}

function masterPid(inst: Instance): number | undefined {
  try {
    const n = Number(fs.readFileSync(path.join(inst.spool, 'pid', 'master.pid'), 'utf8').trim());
    return n > 0 ? n : undefined;
  } catch {
    return undefined;
  }
}

/** ourProcs - every process of this instance: master and whatever it started (also orphans). */
function ourProcs(inst: Instance): Proc[] {
  return ps().filter((p) => p.args.includes(inst.etc) || p.args.includes(inst.dir));
}

/** startInstance - `postfix start` (retried while the old processes let go of the port); master's PID. */
export async function startInstance(inst: Instance, log: (l: string) => void = () => undefined): Promise<number> {
  const end = Date.now() + 30_000;
  for (;;) {
    const r = postfix(inst, 'start');
    const pid = masterPid(inst);
    if (r.status === 0 && pid) {
      await waitSmtp(inst.smtpPort, 20_000);
      return pid;
    }
    if (Date.now() > end) throw new Error(`postfix start failed: ${r.out}`);
    log(`postfix start: ${r.out.trim()} -- trying again`);
    await sleep(500);
  }
}

async function waitSmtp(port: number, ms: number): Promise<void> {
  const end = Date.now() + ms;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = net.connect(port, '127.0.0.1');
      s.once('data', (d) => {
        s.destroy();
        resolve(d.toString().startsWith('220'));
      });
      s.once('error', () => resolve(false));
      s.setTimeout(2000, () => {
        s.destroy();
        resolve(false);
      });
    });
    if (ok) return;
    if (Date.now() > end) throw new Error(`smtpd on port ${port} does not answer`);
    await sleep(200);
  }
}

// ------------------------------------------------------------------ the client

/** Session - a plain SMTP client connection: one command, one reply code. */
export class Session {
  private buf = '';
  private lines: string[] = [];
  private waiter: (() => void) | undefined;
  private closed = false;
  readonly sock: net.Socket;

  constructor(port: number) {
    this.sock = net.connect(port, '127.0.0.1');
    this.sock.setEncoding('latin1');
    this.sock.on('data', (d: string) => {
      this.buf += d;
      let i;
      while ((i = this.buf.indexOf('\n')) >= 0) {
        this.lines.push(this.buf.slice(0, i).replace(/\r$/, ''));
        this.buf = this.buf.slice(i + 1);
      }
      this.wake();
    });
    this.sock.on('error', () => undefined);
    this.sock.on('close', () => {
      this.closed = true;
      this.wake();
    });
    this.sock.setTimeout(60_000, () => this.sock.destroy());
  }

  private wake(): void {
    const w = this.waiter;
    this.waiter = undefined;
    w?.();
  }

  /** The last line of the last reply. */
  last = '';

  /** reply - the next complete reply's code (0: the connection went away). */
  async reply(): Promise<number> {
    for (;;) {
      const idx = this.lines.findIndex((l) => /^\d{3} /.test(l) || !/^\d{3}-/.test(l));
      if (idx >= 0) {
        const line = this.lines[idx] as string;
        this.lines.splice(0, idx + 1);
        this.last = line;
        return Number(line.slice(0, 3)) || 0;
      }
      if (this.closed) return 0;
      await new Promise<void>((r) => (this.waiter = r));
    }
  }

  send(text: string): void {
    if (!this.closed) this.sock.write(text);
  }

  async command(text: string): Promise<number> {
    this.send(`${text}\r\n`);
    return this.reply();
  }

  close(): void {
    this.sock.destroy();
  }
}

interface Slot {
  i: number;
  rcpts: string[];
  attempts: number;
  /** Mark of the attempt that got 250. */
  accepted?: string;
}

function content(mark: string, rcpts: string[], size: number): string {
  const lines = [
    'From: Chaos <chaos@v.test>',
    `To: ${rcpts.join(', ')}`,
    `Subject: ${mark}`,
    `Message-ID: <${mark}@chaos.test>`,
    `Date: ${new Date().toUTCString().replace('GMT', '+0000')}`,
    '',
  ];
  let body = 0;
  for (let k = 0; body < size; k++) {
    const l = `line ${k} of ${mark} -- the quick brown fox jumps over the lazy dog`;
    lines.push(l);
    body += l.length + 2;
  }
  return `${lines.join('\r\n')}\r\n`;
}

interface SendStats {
  sent: number;
  refused: number;
  unknown: number;
  markOf: Map<string, Slot>;
}

/** sendAll - `sessions` clients working through the slots; each slot until 250 (at most 5 attempts). */
async function sendAll(port: number, run: string, slots: Slot[], opts: { sessions: number; perConnection: number; random: () => number }, progress: () => void): Promise<SendStats> {
  const st: SendStats = { sent: 0, refused: 0, unknown: 0, markOf: new Map() };
  const todo = [...slots];
  let inflight = 0;
  const worker = async (): Promise<void> => {
    while (todo.length > 0 || inflight > 0) {
      if (todo.length === 0) {
        await sleep(50); // a slot in flight elsewhere may come back for another attempt
        continue;
      }
      const s = new Session(port);
      let ok = (await s.reply()) === 220 && (await s.command('EHLO client.chaos.test')) === 250;
      for (let k = 0; ok && k < opts.perConnection && todo.length > 0; k++) {
        const slot = todo.shift() as Slot;
        inflight++;
        const mark = `chaos.${run}.${slot.i}.${slot.attempts++}`;
        st.markOf.set(mark, slot);
        st.sent++;
        let code = await s.command('MAIL FROM:<chaos@v.test>');
        for (const r of slot.rcpts) if (code === 250) code = await s.command(`RCPT TO:<${r}>`);
        if (code === 250) code = await s.command('DATA');
        let dataSent = false;
        if (code === 354) {
          s.send(`${content(mark, slot.rcpts, 200 + Math.floor(opts.random() * 3000))}.\r\n`);
          dataSent = true;
          code = await s.reply();
        }
        inflight--;
        if (code === 250 && dataSent) {
          slot.accepted = mark;
          progress();
          continue;
        }
        if (code === 0 && dataSent) st.unknown++;
        else st.refused++;
        if (slot.attempts < 5) todo.push(slot);
        if (code === 0 || code === 421) ok = false;
        else if ((await s.command('RSET')) !== 250) ok = false;
      }
      if (ok) await s.command('QUIT');
      s.close();
      if (!ok) await sleep(100);
    }
  };
  await Promise.all(Array.from({ length: opts.sessions }, () => worker()));
  return st;
}

// ------------------------------------------------------------------ counting

interface Found {
  /** mark -> count, per destination. */
  maildir: Map<string, number>;
  sink: Map<string, number>;
  queue: Set<string>;
  /** Files without the owner-execute bit (a cleanup killed while writing; never acknowledged). */
  incomplete: number;
  bounces: number;
}

function count(map: Map<string, number>, mark: string): void {
  map.set(mark, (map.get(mark) ?? 0) + 1);
}

function readText(file: string): string {
  try {
    return fs.readFileSync(file, 'latin1');
  } catch {
    return '';
  }
}

function look(inst: Instance): Found {
  const found: Found = { maildir: new Map(), sink: new Map(), queue: new Set(), incomplete: 0, bounces: 0 };
  const maildir = path.join(inst.vmail, 'v.test', 'all');
  for (const f of [...filesUnder(path.join(maildir, 'new')), ...filesUnder(path.join(maildir, 'cur'))]) {
    const mark = markOf(readText(f));
    if (mark) count(found.maildir, mark);
    else found.bounces++;
  }
  for (const f of filesUnder(inst.sinkDir)) {
    // The dump: envelope lines, then the message as received.
    const text = readText(f);
    const start = text.search(/^(Received|From|Return-Path):/m);
    const mark = markOf(start < 0 ? text : text.slice(start));
    if (mark) count(found.sink, mark);
  }
  for (const q of ['maildrop', 'incoming', 'active', 'deferred', 'hold']) {
    for (const f of filesUnder(path.join(inst.spool, q))) {
      if (path.basename(f).includes('.')) continue;
      const st = fs.statSync(f, { throwIfNoEntry: false });
      if (!st) continue;
      if ((st.mode & 0o100) === 0) {
        found.incomplete++;
        continue;
      }
      const m = new RegExp(MARK.source, 'im').exec(readText(f));
      if (m) found.queue.add(m[1] as string);
    }
  }
  return found;
}

/** queueSize - complete queue files waiting for delivery. */
function queueSize(inst: Instance): number {
  let n = 0;
  for (const q of ['maildrop', 'incoming', 'active', 'deferred']) {
    n += filesUnder(path.join(inst.spool, q)).filter((f) => !path.basename(f).includes('.') && ((fs.statSync(f, { throwIfNoEntry: false })?.mode ?? 0) & 0o100) !== 0).length;
  }
  return n;
}

// ------------------------------------------------------------------ the run

/** runChaos - one whole run; never leaves a process behind. */
export async function runChaos(opts: ChaosOptions): Promise<ChaosResult> {
  const log = opts.log ?? (() => undefined);
  const seed = opts.seed ?? Date.now() % 1_000_000;
  const random = seededRandom(seed);
  const run = seed.toString(36);
  const t0 = Date.now();
  const inst = await makeInstance({ slowSink: opts.slowSink });
  const kills: Record<string, number> = {};
  let masterKills = 0;
  let master: number | undefined;
  try {
    checkInstance(inst);
    master = await startInstance(inst, log);
    log(`instance ${inst.dir}: smtpd on 127.0.0.1:${inst.smtpPort}, seed ${seed}`);

    const slots: Slot[] = Array.from({ length: opts.n }, (_, i) => ({
      i,
      attempts: 0,
      rcpts: i % 3 === 0 ? [`u${i}@v.test`] : i % 3 === 1 ? [`u${i}@r.test`] : [`u${i}@v.test`, `u${i}@r.test`],
    }));
    let acceptedSoFar = 0;
    let masterDue = opts.killMaster ?? true;
    let sending = true;
    let restarting: Promise<void> | undefined;
    let killed = 0;
    const chaos = (async () => {
      const minMs = opts.minKillMs ?? 200;
      const maxMs = opts.maxKillMs ?? 1000;
      if (maxMs <= 0) return;
      while (sending) {
        await sleep(minMs + random() * (maxMs - minMs));
        if (!sending || restarting) continue;
        if (masterDue && acceptedSoFar >= opts.n / 2) {
          masterDue = false;
          const pid = master as number;
          log(`SIGKILL master (pid ${pid}) after ${acceptedSoFar} accepted`);
          process.kill(pid, 'SIGKILL');
          masterKills++;
          restarting = (async () => {
            await sleep(200 + random() * 800);
            master = await startInstance(inst, log);
            log(`restarted: master pid ${master}`);
          })().finally(() => (restarting = undefined));
          continue;
        }
        if (opts.maxKills !== undefined && killed >= opts.maxKills) continue;
        const children = ps().filter((p) => p.ppid === master);
        const names = opts.victims ?? VICTIMS;
        const pick = names[Math.floor(random() * names.length)] as string;
        const victims = children.filter((p) => p.args.split(' ')[0] === pick);
        const v = victims[Math.floor(random() * victims.length)];
        if (!v) continue;
        try {
          process.kill(v.pid, 'SIGKILL');
          kills[pick] = (kills[pick] ?? 0) + 1;
          killed++;
        } catch {
          // gone meanwhile
        }
      }
    })();
    let lastReport = Date.now();
    const st = await sendAll(inst.smtpPort, run, slots, { sessions: opts.sessions ?? 8, perConnection: opts.perConnection ?? 10, random }, () => {
      acceptedSoFar++;
      if (Date.now() - lastReport > 5000) {
        lastReport = Date.now();
        log(`${acceptedSoFar} accepted, kills: ${JSON.stringify(kills)}`);
      }
    });
    sending = false;
    await chaos;
    await restarting;
    const accepted = slots.filter((s) => s.accepted !== undefined);
    log(`sending done: ${accepted.length}/${opts.n} accepted (${st.refused} refused, ${st.unknown} without reply); draining`);

    // Drain: until the queue is empty (and stays so briefly), bounded.
    const drainEnd = Date.now() + (opts.drainMs ?? 120_000);
    let emptySince = 0;
    while (Date.now() < drainEnd) {
      if (queueSize(inst) === 0) {
        if (!emptySince) emptySince = Date.now();
        if (Date.now() - emptySince > 1500) break;
      } else emptySince = 0;
      await sleep(250);
    }
    await sleep(500); // the sink's last dump files

    const found = look(inst);
    const lost: string[] = [];
    const duplicates: string[] = [];
    let expected = 0;
    let delivered = 0;
    for (const s of accepted) {
      const mark = s.accepted as string;
      for (const r of s.rcpts) {
        expected++;
        const where = r.endsWith('@v.test') ? found.maildir : found.sink;
        const n = where.get(mark) ?? 0;
        if (n > 0) delivered++;
        if (n > 1) duplicates.push(`${mark} ${r} x${n}`);
        if (n === 0 && !found.queue.has(mark)) lost.push(`${mark} ${r}`);
      }
    }
    return {
      dir: inst.dir, sent: st.sent, accepted: accepted.length, refused: st.refused, unknown: st.unknown, expected, delivered,
      lost, duplicates, queued: found.queue.size, incomplete: found.incomplete,
      duplicatesMaildir: duplicates.filter((d) => d.includes('@v.test')).length, duplicatesSink: duplicates.filter((d) => d.includes('@r.test')).length, kills, masterKills, bounces: found.bounces, seconds: Math.round((Date.now() - t0) / 1000),
    };
  } finally {
    stop(inst, opts.keep ?? false);
  }
}

/** stop - kill every process of the instance and the sink; remove the files unless kept. */
export function stop(inst: Instance, keep: boolean): void {
  spawnSync(POSTFIX, ['-c', inst.etc, 'stop'], { timeout: 15_000, stdio: 'ignore' });
  for (const p of ourProcs(inst)) {
    try {
      process.kill(p.pid, 'SIGKILL');
    } catch {
      // gone
    }
  }
  const m = masterPid(inst);
  if (m) for (const p of ps().filter((x) => x.ppid === m)) try { process.kill(p.pid, 'SIGKILL'); } catch { /* gone */ }
  inst.sink?.kill('SIGKILL');
  if (!keep) fs.rmSync(inst.dir, { recursive: true, force: true });
}

/** summary - the result as a few lines of text. */
export function summary(r: ChaosResult): string {
  const kills = Object.entries(r.kills).map(([k, v]) => `${k} ${v}`).join(', ') || 'none';
  return [
    `messages sent ${r.sent} (attempts), accepted with 250: ${r.accepted}, refused/retried: ${r.refused}, no reply after DATA: ${r.unknown}`,
    `kills: ${kills}; master killed and restarted: ${r.masterKills}`,
    `deliveries expected ${r.expected}, delivered ${r.delivered}, left in the queue ${r.queued}, bounces ${r.bounces}`,
    `delivered twice ${r.duplicates.length} (Maildir ${r.duplicatesMaildir}, smtp-sink ${r.duplicatesSink}); incomplete queue files of killed cleanups ${r.incomplete}`,
    `LOST: ${r.lost.length}${r.lost.length ? ` (${r.lost.slice(0, 10).join('; ')})` : ''}`,
    ...(r.duplicates.length ? [`duplicates: ${r.duplicates.slice(0, 10).join('; ')}`] : []),
    `time ${r.seconds} s`,
  ].join('\n');
}
