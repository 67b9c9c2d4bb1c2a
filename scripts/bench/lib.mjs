// scripts/bench/lib.mjs - what the benchmark parts share: the repository root, free loopback
// ports, waiting with a deadline, cleanup that runs on success, failure and Ctrl-C, and
// process accounting from /proc (CPU of a process tree including its exited children, total RSS).
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = path.resolve(fileURLToPath(new URL('../../', import.meta.url)));
export const isRoot = process.getuid?.() === 0;

const getconf = (name, fallback) => {
  try {
    return Number(execFileSync('getconf', [name], { encoding: 'utf8' }).trim()) || fallback;
  } catch {
    return fallback;
  }
};
export const CLK_TCK = getconf('CLK_TCK', 100);
export const PAGE_SIZE = getconf('PAGESIZE', 4096);

/** which - absolute path of a program (PATH, then the sbin directories a user's PATH may lack). */
export function which(prog) {
  const dirs = [...(process.env.PATH ?? '').split(':'), '/usr/sbin', '/usr/bin', '/sbin', '/bin'];
  for (const d of dirs) {
    const p = path.join(d || '.', prog);
    try {
      fs.accessSync(p, fs.constants.X_OK);
      return p;
    } catch {
      // not here
    }
  }
  return undefined;
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** freePort - a loopback TCP port that was free a moment ago. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

/** waitFor - poll `pred` every `every` ms until it holds; throws naming `what` after `ms`. */
export async function waitFor(what, pred, ms = 30_000, every = 50) {
  const end = Date.now() + ms;
  for (;;) {
    if (await pred()) return;
    if (Date.now() > end) throw new Error(`timed out after ${ms / 1000} s waiting for ${what}`);
    await sleep(every);
  }
}

// ---- cleanup on every way out ----------------------------------------------------------

const cleanups = [];
let cleaning = false;

/** onCleanup - register a synchronous function run once at exit (normal, error, signal); returns an unregister. */
export function onCleanup(fn) {
  cleanups.push(fn);
  return () => {
    const i = cleanups.indexOf(fn);
    if (i >= 0) cleanups.splice(i, 1);
  };
}

/** runCleanups - run (last registered first) and forget every cleanup. */
export function runCleanups() {
  if (cleaning) return;
  cleaning = true;
  while (cleanups.length) {
    const fn = cleanups.pop();
    try {
      fn();
    } catch (err) {
      process.stderr.write(`bench: cleanup: ${err.message}\n`);
    }
  }
  cleaning = false;
}

let handlersInstalled = false;
/** installExitHandlers - Ctrl-C, SIGTERM, SIGHUP and uncaught errors clean up before the process ends. */
export function installExitHandlers() {
  if (handlersInstalled) return;
  handlersInstalled = true;
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
    process.on(sig, () => {
      process.stderr.write(`\nbench: ${sig}: stopping every process and removing temporary files\n`);
      runCleanups();
      process.exit(128 + (sig === 'SIGINT' ? 2 : sig === 'SIGTERM' ? 15 : 1));
    });
  }
  process.on('exit', runCleanups);
  process.on('uncaughtException', (err) => {
    process.stderr.write(`bench: ${err.stack ?? err}\n`);
    runCleanups();
    process.exit(1);
  });
  process.on('unhandledRejection', (err) => {
    process.stderr.write(`bench: ${err?.stack ?? err}\n`);
    runCleanups();
    process.exit(1);
  });
}

/** killPid - SIGKILL a process (and, with `group`, its process group); ignores ones already gone. */
export function killPid(pid, group = false) {
  if (!pid) return;
  for (const target of group ? [-pid, pid] : [pid]) {
    try {
      process.kill(target, 'SIGKILL');
    } catch {
      // gone
    }
  }
}

// ---- /proc accounting --------------------------------------------------------------------

/**
 * procTable - every process: pid -> { ppid, pgrp, ticks (utime+stime+cutime+cstime), rss bytes, comm }.
 * cutime/cstime hold what a process's exited and reaped children used, so summing them over the
 * live processes of a tree counts every process the tree ever ran.
 */
export function procTable() {
  const table = new Map();
  for (const name of fs.readdirSync('/proc')) {
    if (name.charCodeAt(0) > 57) continue;
    let text;
    try {
      text = fs.readFileSync(`/proc/${name}/stat`, 'latin1');
    } catch {
      continue; // exited meanwhile
    }
    const close = text.lastIndexOf(')');
    const f = text.slice(close + 2).split(' '); // f[0] = state (field 3)
    table.set(Number(name), {
      ppid: Number(f[1]),
      pgrp: Number(f[2]),
      ticks: Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14]),
      rss: Number(f[21]) * PAGE_SIZE,
      comm: text.slice(text.indexOf('(') + 1, close),
    });
  }
  return table;
}

/** treePids - `roots` and all their descendants present in `table`. */
export function treePids(table, roots) {
  const kids = new Map();
  for (const [pid, p] of table) {
    if (!kids.has(p.ppid)) kids.set(p.ppid, []);
    kids.get(p.ppid).push(pid);
  }
  const out = new Set();
  const stack = roots.filter((r) => table.has(r));
  while (stack.length) {
    const pid = stack.pop();
    if (out.has(pid)) continue;
    out.add(pid);
    for (const k of kids.get(pid) ?? []) stack.push(k);
  }
  return out;
}

function readStat(pid) {
  let text;
  try {
    text = fs.readFileSync(`/proc/${pid}/stat`, 'latin1');
  } catch {
    return undefined; // exited meanwhile
  }
  const f = text.slice(text.lastIndexOf(')') + 2).split(' ');
  return { ticks: Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14]), rss: Number(f[21]) * PAGE_SIZE };
}

const hasChildrenFile = fs.existsSync(`/proc/${process.pid}/task/${process.pid}/children`);

/**
 * usage - CPU seconds (incl. reaped children) and total RSS of the trees under `roots`. Walks
 * down through /proc/PID/task/PID/children (children forked by a process's main thread, which
 * is where Node and Postfix fork), so that a sample reads only the tree's own files; without
 * that file (old kernels) it scans every process.
 */
export function usage(roots) {
  let ticks = 0;
  let rss = 0;
  let procs = 0;
  if (!hasChildrenFile) {
    const table = procTable();
    for (const pid of treePids(table, roots)) {
      const p = table.get(pid);
      ticks += p.ticks;
      rss += p.rss;
      procs++;
    }
    return { cpu: ticks / CLK_TCK, rss, procs };
  }
  const seen = new Set();
  const stack = [...roots];
  while (stack.length) {
    const pid = stack.pop();
    if (seen.has(pid)) continue;
    seen.add(pid);
    const st = readStat(pid);
    if (!st) continue;
    ticks += st.ticks;
    rss += st.rss;
    procs++;
    let kids = '';
    try {
      kids = fs.readFileSync(`/proc/${pid}/task/${pid}/children`, 'latin1');
    } catch {
      continue;
    }
    for (const k of kids.split(' ')) if (k) stack.push(Number(k));
  }
  return { cpu: ticks / CLK_TCK, rss, procs };
}

/**
 * Sampler - every `everyMs`, total RSS of the trees under roots() (peak kept), plus CPU at
 * start() and stop(). roots() is asked each time, so a system's roots may change (a sendmail
 * pool's children come and go; their CPU is counted by the caller through its own cutime).
 */
export class Sampler {
  constructor(roots, everyMs = 100) {
    this.roots = roots;
    this.everyMs = everyMs;
    this.peakRss = 0;
    this.peakProcs = 0;
    this.timer = undefined;
  }

  sample() {
    const u = usage(this.roots());
    if (u.rss > this.peakRss) this.peakRss = u.rss;
    if (u.procs > this.peakProcs) this.peakProcs = u.procs;
    return u;
  }

  start() {
    this.cpu0 = this.sample().cpu;
    this.timer = setInterval(() => this.sample(), this.everyMs);
    this.timer.unref();
  }

  /** stop - { cpu: seconds used since start(), peakRss, peakProcs }. */
  stop() {
    clearInterval(this.timer);
    const cpu = this.sample().cpu - this.cpu0;
    return { cpu, peakRss: this.peakRss, peakProcs: this.peakProcs };
  }
}

/** selfChildrenCpu - CPU seconds of this process's exited and reaped children (cutime+cstime). */
export function selfChildrenCpu() {
  const text = fs.readFileSync('/proc/self/stat', 'latin1');
  const f = text.slice(text.lastIndexOf(')') + 2).split(' ');
  return (Number(f[13]) + Number(f[14])) / CLK_TCK;
}

// ---- numbers ---------------------------------------------------------------------------------

/** quantile - the p-quantile (0..1) of an unsorted array of numbers (nearest rank). */
export function quantile(values, p) {
  if (!values.length) return undefined;
  const s = Float64Array.from(values).sort();
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil(p * s.length) - 1))];
}

/** countFiles - entries in a directory (0 when it does not exist). */
export function countFiles(dir) {
  try {
    return fs.readdirSync(dir).length;
  } catch {
    return 0;
  }
}

/** messageBody - `size` bytes of payload in 78-character lines ending in CRLF (no line starts with "."). */
export function messageBody(size, eol = '\r\n') {
  const line = 'X'.repeat(76) + eol;
  let body = line.repeat(Math.floor(size / line.length));
  const rest = size - body.length;
  if (rest > eol.length) body += 'X'.repeat(rest - eol.length) + eol;
  return body;
}
