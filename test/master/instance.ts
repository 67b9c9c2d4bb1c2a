/*
 * instance - a throw-away Mailroom instance for the master end-to-end tests: a temporary
 * config (main.cf, master.cf), spool, log file and a daemon_directory whose `echo`,
 * `tick` and `crash` commands are the test daemons under fixtures/. Runs as root (children
 * then drop to `nobody`) or as an ordinary user. Every process started is killed in cleanup().
 */
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { isAlive } from '@mailroom/global';
import { baseMainCf, freePort, isRoot, killGroup, logFileMessages, MASTER, ROOT, waitFor } from '../lib/common.js';

export { freePort, isRoot, MASTER, ROOT, waitFor };

/** logMessages - the `msg` of every JSON line in the instance's log. */
export function logMessages(inst: Instance): string[] {
  return logFileMessages(inst.logFile);
}

export const POSTFIX = path.join(ROOT, 'bin/postfix');
const FIXTURES = fileURLToPath(new URL('./fixtures/', import.meta.url));


export interface Instance {
  dir: string;
  etc: string;
  spool: string;
  daemons: string;
  logFile: string;
  port: number;
  procs: ChildProcess[];
}

/** makeInstance - write the config; `masterCf` gets the chosen port. */
export async function makeInstance(mainCf: string, masterCf: (port: number) => string): Promise<Instance> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mailroom-master-'));
  fs.chmodSync(dir, 0o755); // children dropped to mail_owner must reach the spool and daemons
  const inst: Instance = {
    dir,
    etc: path.join(dir, 'etc'),
    spool: path.join(dir, 'spool'),
    daemons: path.join(dir, 'daemons'),
    logFile: path.join(dir, 'maillog'),
    port: await freePort(),
    procs: [],
  };
  for (const d of [inst.etc, inst.spool, path.join(inst.spool, 'private'), path.join(inst.spool, 'public')]) {
    fs.mkdirSync(d, { recursive: true, mode: 0o755 });
  }
  for (const [cmd, file] of [['echo', 'echo.js'], ['tick', 'trigger.js'], ['crash', 'crash.js']] as const) {
    fs.mkdirSync(path.join(inst.daemons, cmd, 'dist'), { recursive: true, mode: 0o755 });
    fs.writeFileSync(path.join(inst.daemons, cmd, 'dist', 'main.js'), `import '${path.join(FIXTURES, file)}';\n`);
  }
  // daemon_directory also holds master, as in Postfix (`postfix start` runs it from there).
  fs.mkdirSync(path.join(inst.daemons, 'master', 'dist'), { recursive: true, mode: 0o755 });
  fs.writeFileSync(path.join(inst.daemons, 'master', 'dist', 'main.js'), `import '${MASTER}';\n`);
  writeConfig(inst, mainCf, masterCf(inst.port));
  if (isRoot) execFileSync('chown', ['-R', 'nobody', inst.spool]);
  return inst;
}

/** writeConfig - (re)write main.cf and master.cf of the instance. */
export function writeConfig(inst: Instance, mainCf: string, masterCf: string): void {
  const base = baseMainCf(inst.spool, inst.logFile, [`daemon_directory = ${inst.daemons}`]);
  fs.writeFileSync(path.join(inst.etc, 'main.cf'), `${base.join('\n')}\n${mainCf}\n`);
  fs.writeFileSync(path.join(inst.etc, 'master.cf'), `${masterCf}\n`);
}

/** startMaster - run master in the foreground of its own process group. */
export function startMaster(inst: Instance): ChildProcess {
  const p = spawn(process.execPath, [MASTER, '-c', inst.etc], { detached: true, stdio: ['ignore', 'ignore', 'pipe'] });
  p.stderr?.resume();
  inst.procs.push(p);
  return p;
}

/** runMaster - start master and wait until it logs that it started (its sockets listen). */
export async function runMaster(inst: Instance): Promise<ChildProcess & { pid: number }> {
  const p = startMaster(inst);
  await waitFor('master to start', () => logMessages(inst).some((l) => l.startsWith('daemon started -- ')));
  return p as ChildProcess & { pid: number };
}

/** postfix - run bin/postfix with `-c` of the instance. */
export function postfix(inst: Instance, ...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(POSTFIX, ['-c', inst.etc, ...args], { encoding: 'utf8', timeout: 30_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}



export interface PsRow {
  pid: number;
  ppid: number;
  user: string;
  args: string;
}

/** ps - every process, from ps(1). */
export function ps(): PsRow[] {
  const out = execFileSync('ps', ['-e', '-o', 'pid=,ppid=,user=,args='], { encoding: 'utf8' });
  return out
    .split('\n')
    .map((l) => /^\s*(\d+)\s+(\d+)\s+(\S+)\s+(.*)$/.exec(l))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => ({ pid: Number(m[1]), ppid: Number(m[2]), user: m[3] as string, args: m[4] as string }));
}

/** childrenOf - processes whose parent is `pid` and whose command starts with `command`. */
export function childrenOf(pid: number, command: string): PsRow[] {
  return ps().filter((r) => r.ppid === pid && r.args.split(' ')[0] === command);
}

/** masterPid - the PID in the instance's master.pid. */
export function masterPid(inst: Instance): number | undefined {
  try {
    const n = Number(fs.readFileSync(path.join(inst.spool, 'pid', 'master.pid'), 'utf8').trim());
    return n > 0 ? n : undefined;
  } catch {
    return undefined;
  }
}

/** alive - the process exists and is not a zombie. */
export const alive = isAlive;

/** cleanup - kill whatever the test started (process groups included), remove the files. */
export function cleanup(inst: Instance): void {
  const pids = new Set<number>(inst.procs.map((p) => p.pid ?? 0));
  const m = masterPid(inst);
  if (m) pids.add(m);
  for (const pid of pids) killGroup(pid);
  // children of a killed master that escaped its group (none expected)
  for (const r of ps()) if (r.args.includes(inst.daemons)) try { process.kill(r.pid, 'SIGKILL'); } catch { /* gone */ }
  fs.rmSync(inst.dir, { recursive: true, force: true });
}

/** talk - open a connection, send lines, collect one reply per line. */
export function talk(port: number, lines: string[], timeoutMs = 10_000): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const sock = net.createConnection(port, '127.0.0.1');
    const replies: string[] = [];
    let buf = '';
    const timer = setTimeout(() => {
      sock.destroy();
      reject(new Error(`no reply within ${timeoutMs} ms`));
    }, timeoutMs);
    sock.setEncoding('utf8');
    sock.on('connect', () => sock.write(lines.map((l) => `${l}\n`).join('')));
    sock.on('data', (d: string) => {
      buf += d;
      const parts = buf.split('\n');
      buf = parts.pop() ?? '';
      replies.push(...parts);
      if (replies.length >= lines.length) {
        clearTimeout(timer);
        sock.end();
        resolve(replies);
      }
    });
    sock.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
  });
}
