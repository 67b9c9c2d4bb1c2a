// scripts/bench/systems.mjs - the two mail systems under test, configured the same way, and the
// smtp-sink each relays to.
//
// Both get, in a temporary directory of their own: SMTP on 127.0.0.1:<port chosen at run time>,
// mynetworks = 127.0.0.0/8, relayhost = [127.0.0.1]:<their sink's port>, no local domains, and
// virtual_mailbox_domains = vbench.test with one Maildir user (user@vbench.test, owned by nobody
// when run as root) under <dir>/vmail. Mailroom runs its real master and daemons from this
// checkout with the services of etc/master.cf; Postfix runs Debian's binaries with its stock
// services (chroot column "n") and the same main.cf settings (plus what a private Postfix needs:
// its own config/queue/data directories, no DNS, a maillog file written by postlogd).
// Every process and file is removed by stop(), which also runs on Ctrl-C (lib.onCleanup).
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { countFiles, freePort, isRoot, killPid, onCleanup, procTable, ROOT, treePids, waitFor, which } from './lib.mjs';

export const RELAY_RCPT = 'user@relay.bench.test';
export const LOCAL_RCPT = 'user@vbench.test';
export const SENDER = 'sender@client.bench.test';
const MAILDIR_REL = 'vbench.test/user/';

function owner() {
  if (!isRoot) return { uid: process.getuid(), gid: process.getgid() };
  return { uid: 65534, gid: 65534 };
}

function mkTemp(prefix) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  fs.chmodSync(dir, 0o755); // daemons running as mail_owner / nobody must reach it
  return dir;
}

/** The settings both systems share (main.cf lines). */
function commonMainCf(dir, sinkPort) {
  const { uid, gid } = owner();
  return [
    'myhostname = mta.bench.test',
    'mydomain = bench.test',
    'myorigin = $myhostname',
    'mydestination =',
    'inet_protocols = ipv4',
    'mynetworks = 127.0.0.0/8',
    `relayhost = [127.0.0.1]:${sinkPort}`,
    'alias_maps =',
    'alias_database =',
    'virtual_mailbox_domains = vbench.test',
    `virtual_mailbox_base = ${dir}/vmail`,
    `virtual_mailbox_maps = texthash:${dir}/vmailbox`,
    `virtual_uid_maps = static:${uid}`,
    `virtual_gid_maps = static:${gid}`,
    `virtual_minimum_uid = ${Math.min(uid, 100)}`,
  ];
}

function writeMailboxes(dir) {
  fs.writeFileSync(path.join(dir, 'vmailbox'), `${LOCAL_RCPT} ${MAILDIR_REL}\n`, { mode: 0o644 });
  const base = path.join(dir, 'vmail');
  fs.mkdirSync(base, { mode: 0o755 });
  const { uid, gid } = owner();
  if (isRoot) fs.chownSync(base, uid, gid);
}

/**
 * Sink - one smtp-sink for one system. It counts what it received as the files it dumps (-d, one
 * file per transaction, in RAM under /dev/shm when there is one): smtp-sink's -c counter is
 * written only when a session ends, and an MTA caches its connection.
 */
export class Sink {
  async start() {
    this.port = await freePort();
    const shm = fs.existsSync('/dev/shm') && fs.statSync('/dev/shm').isDirectory() ? '/dev/shm' : os.tmpdir();
    this.dir = fs.mkdtempSync(path.join(shm, 'mailroom-bench-sink-'));
    fs.chmodSync(this.dir, 0o777); // smtp-sink runs as nobody when started as root
    this.unregister = onCleanup(() => this.stop());
    const args = [...(isRoot ? ['-u', 'nobody'] : []), '-d', `${this.dir}/%H%M%S.`, `127.0.0.1:${this.port}`, '1024'];
    this.proc = spawn(which('smtp-sink') ?? 'smtp-sink', args, { stdio: ['ignore', 'ignore', 'pipe'] });
    this.stderr = '';
    this.proc.stderr.on('data', (c) => (this.stderr = (this.stderr + c).slice(-2000)));
    await waitFor(`smtp-sink on port ${this.port}`, () => this.proc.exitCode !== null || portAnswers(this.port), 10_000, 100);
    if (this.proc.exitCode !== null) throw new Error(`smtp-sink exited: ${this.stderr}`);
    return this;
  }

  /** count - transactions received since the last clear(). */
  count() {
    return countFiles(this.dir);
  }

  /** clear - forget (delete) what was received. */
  clear() {
    for (const f of fs.readdirSync(this.dir)) fs.rmSync(path.join(this.dir, f), { force: true });
  }

  stop() {
    killPid(this.proc?.pid);
    if (this.dir) fs.rmSync(this.dir, { recursive: true, force: true });
    this.dir = undefined;
    this.unregister?.();
  }
}

/** portAnswers - something accepts TCP connections on 127.0.0.1:port (checked without sending mail). */
function portAnswers(port) {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

class System {
  /** maildirNew - the benchmark user's Maildir new/ (one file per delivered message). */
  maildirNew() {
    return path.join(this.dir, 'vmail', MAILDIR_REL, 'new');
  }

  /** emptyMaildir - remove what earlier runs delivered (keeps the disk from filling up). */
  emptyMaildir() {
    fs.rmSync(path.join(this.dir, 'vmail', 'vbench.test'), { recursive: true, force: true });
  }

  /** roots - the processes whose trees make up the system (its master). */
  roots() {
    return this.masterPid ? [this.masterPid] : [];
  }

  /** queueEmpty - no message files left in incoming/active/deferred/maildrop. */
  queueEmpty() {
    for (const q of ['maildrop', 'incoming', 'active', 'deferred']) {
      if (countTree(path.join(this.spool, q)) > 0) return false;
    }
    return true;
  }

  /** queueCounts - message files per queue (to describe a stuck queue). */
  queueCounts() {
    const out = {};
    for (const q of ['maildrop', 'incoming', 'active', 'deferred', 'hold', 'corrupt']) out[q] = countTree(path.join(this.spool, q));
    return out;
  }

  /** problems - the last log lines about failed deliveries (deferred, bounced) and daemon trouble. */
  problems(n = 10) {
    return this.logTail(400).filter((l) => /status=(deferred|bounced)|fatal|panic|warning: process/.test(l)).slice(-n);
  }

  /** logMark - where the log ends now (for sentSince). */
  logMark() {
    try {
      return fs.statSync(this.logFile).size;
    } catch {
      return 0;
    }
  }

  /** sentSince - deliveries the system logged (status=sent) since `mark`. */
  sentSince(mark) {
    let fd;
    try {
      fd = fs.openSync(this.logFile, 'r');
      const size = fs.fstatSync(fd).size;
      const buf = Buffer.alloc(Math.max(0, size - mark));
      fs.readSync(fd, buf, 0, buf.length, mark);
      return buf.toString('latin1').split('status=sent').length - 1;
    } catch {
      return 0;
    } finally {
      if (fd !== undefined) fs.closeSync(fd);
    }
  }

  /** logTail - the last lines of the system's log. */
  logTail(n = 20) {
    try {
      return fs.readFileSync(this.logFile, 'utf8').trimEnd().split('\n').slice(-n);
    } catch {
      return [];
    }
  }
}

function countTree(dir) {
  let n = 0;
  let entries;
  try {
    entries = fs.readdirSync(dir, { withFileTypes: true });
  } catch {
    return 0;
  }
  for (const e of entries) {
    if (e.isDirectory()) n += countTree(path.join(dir, e.name));
    else if (/^[0-9A-Za-z]+$/.test(e.name)) n++; // queue IDs (not qmgr.lock, not temporary files)
  }
  return n;
}

/** Mailroom - master and daemons of this checkout, services as in etc/master.cf. */
export class Mailroom extends System {
  name = 'mailroom';

  async start(sinkPort) {
    this.dir = mkTemp('mailroom-bench-mr-');
    this.unregister = onCleanup(() => this.stop());
    this.etc = path.join(this.dir, 'etc');
    this.spool = path.join(this.dir, 'spool');
    this.logFile = path.join(this.dir, 'maillog');
    this.port = await freePort();
    fs.mkdirSync(this.etc, { mode: 0o755 });
    writeMailboxes(this.dir);
    const main = [
      `queue_directory = ${this.spool}`,
      `maillog_file = ${this.logFile}`,
      ...(isRoot ? ['mail_owner = nobody'] : []),
      'inet_interfaces = loopback-only',
      ...commonMainCf(this.dir, sinkPort),
    ];
    fs.writeFileSync(path.join(this.etc, 'main.cf'), `${main.join('\n')}\n`);
    const stock = fs.readFileSync(path.join(ROOT, 'etc', 'master.cf'), 'utf8').split('\n');
    const masterCf = stock.filter((l) => !/^\S+\s+inet\s/.test(l));
    masterCf.push(`127.0.0.1:${this.port} inet n - n - - smtpd`);
    fs.writeFileSync(path.join(this.etc, 'master.cf'), `${masterCf.join('\n')}\n`);
    const check = spawnSync(path.join(ROOT, 'bin', 'postfix'), ['-c', this.etc, 'check'], { encoding: 'utf8', timeout: 60_000 });
    if (check.status !== 0) throw new Error(`mailroom: postfix check failed: ${check.stderr}${check.stdout}`);
    this.master = spawn(process.execPath, [path.join(ROOT, 'packages/master/dist/main.js'), '-c', this.etc], {
      detached: true,
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    this.masterPid = this.master.pid;
    this.stderr = '';
    this.master.stderr.on('data', (c) => (this.stderr = (this.stderr + c).slice(-4000)));
    await waitFor('mailroom master to start', () => {
      if (this.master.exitCode !== null) throw new Error(`mailroom master exited: ${this.stderr}`);
      return this.logTail(50).some((l) => l.includes('daemon started -- '));
    }, 30_000);
    return this;
  }

  /** sendmailCommand - how to submit one message with this system's sendmail. */
  sendmailCommand(rcpt) {
    return [path.join(ROOT, 'bin', 'sendmail'), ['-C', this.etc, '-i', '-f', SENDER, rcpt]];
  }

  stop() {
    if (this.masterPid) {
      // SIGKILL the group (master runs detached: its group holds every daemon) and any straggler of its tree.
      const stragglers = treePids(procTable(), [this.masterPid]);
      killPid(this.masterPid, true);
      for (const pid of stragglers) killPid(pid);
      this.masterPid = undefined;
    }
    if (this.dir) fs.rmSync(this.dir, { recursive: true, force: true });
    this.dir = undefined;
    this.unregister?.();
  }
}

/** Postfix's stock services (Debian 12 master.cf), chroot off; smtpd on our port. */
function postfixMasterCf(port) {
  return `
127.0.0.1:${port} inet n - n - - smtpd
pickup    unix  n       -       n       60      1       pickup
cleanup   unix  n       -       n       -       0       cleanup
qmgr      unix  n       -       n       300     1       qmgr
tlsmgr    unix  -       -       n       1000?   1       tlsmgr
rewrite   unix  -       -       n       -       -       trivial-rewrite
bounce    unix  -       -       n       -       0       bounce
defer     unix  -       -       n       -       0       bounce
trace     unix  -       -       n       -       0       bounce
verify    unix  -       -       n       -       1       verify
flush     unix  n       -       n       1000?   0       flush
proxymap  unix  -       -       n       -       -       proxymap
proxywrite unix -       -       n       -       1       proxymap
smtp      unix  -       -       n       -       -       smtp
relay     unix  -       -       n       -       -       smtp
showq     unix  n       -       n       -       -       showq
error     unix  -       -       n       -       -       error
retry     unix  -       -       n       -       -       error
discard   unix  -       -       n       -       -       discard
local     unix  -       n       n       -       -       local
virtual   unix  -       n       n       -       -       virtual
lmtp      unix  -       -       n       -       -       lmtp
anvil     unix  -       -       n       -       1       anvil
scache    unix  -       -       n       -       1       scache
postlog   unix-dgram n  -       n       -       1       postlogd
`;
}

/** runPostfix - run /usr/sbin/postfix; its messages reach us only through a tty, hence script(1). */
function runPostfix(dir, cmd) {
  const r = spawnSync('script', ['-qec', `/usr/sbin/postfix -c ${dir} ${cmd}`, '/dev/null'], { encoding: 'utf8', timeout: 60_000 });
  return { status: r.status, out: `${r.stdout ?? ''}${r.stderr ?? ''}`.trim() };
}

/** Postfix - a private instance of the system's Postfix (needs root). */
export class Postfix extends System {
  name = 'postfix';

  async start(sinkPort) {
    if (!isRoot) throw new Error('a private Postfix instance needs root');
    this.dir = mkTemp('mailroom-bench-pf-');
    this.unregister = onCleanup(() => this.stop());
    this.etc = this.dir;
    this.spool = path.join(this.dir, 'queue');
    this.logFile = path.join(this.dir, 'maillog');
    this.port = await freePort();
    writeMailboxes(this.dir);
    fs.mkdirSync(this.spool, { mode: 0o755 });
    const data = path.join(this.dir, 'data');
    fs.mkdirSync(data, { mode: 0o700 });
    execFileSync('chown', ['postfix', data]);
    const main = [
      'compatibility_level = 3.6',
      `config_directory = ${this.dir}`,
      `queue_directory = ${this.spool}`,
      `data_directory = ${data}`,
      'inet_interfaces = 127.0.0.1',
      'smtp_dns_support_level = disabled',
      `maillog_file = ${this.logFile}`,
      `maillog_file_prefixes = ${this.dir}`,
      ...commonMainCf(this.dir, sinkPort),
    ];
    fs.writeFileSync(path.join(this.dir, 'main.cf'), `${main.join('\n')}\n`);
    fs.writeFileSync(path.join(this.dir, 'master.cf'), postfixMasterCf(this.port));
    const check = runPostfix(this.dir, 'check');
    if (check.status !== 0) throw new Error(`postfix check failed: ${check.out}`);
    const start = runPostfix(this.dir, 'start');
    if (start.status !== 0) throw new Error(`postfix start failed: ${start.out}`);
    const pidFile = path.join(this.spool, 'pid', 'master.pid');
    await waitFor('postfix master to start', () => {
      try {
        this.masterPid = Number(fs.readFileSync(pidFile, 'utf8').trim()) || undefined;
      } catch {
        this.masterPid = undefined;
      }
      return this.masterPid !== undefined && procTable().has(this.masterPid);
    }, 30_000);
    await waitFor(`postfix smtpd on port ${this.port}`, () => portAnswers(this.port), 30_000, 100);
    return this;
  }

  sendmailCommand(rcpt) {
    return ['/usr/sbin/sendmail', ['-C', this.dir, '-i', '-f', SENDER, rcpt]];
  }

  stop() {
    if (this.masterPid) {
      const stragglers = treePids(procTable(), [this.masterPid]);
      runPostfix(this.dir, 'abort'); // kills master and its children at once
      killPid(this.masterPid);
      for (const pid of stragglers) killPid(pid);
      this.masterPid = undefined;
    }
    if (this.dir) fs.rmSync(this.dir, { recursive: true, force: true });
    this.dir = undefined;
    this.unregister?.();
  }
}
