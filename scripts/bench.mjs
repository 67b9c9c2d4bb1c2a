#!/usr/bin/env node
// npm run bench - Mailroom's performance figures, side by side with a private Postfix.
//
// Parts (all by default; BENCH_PARTS=fsync,mta,tables,queue picks some):
//   fsync   the machine's fsync ceiling: durable small-file commits per second, 1 and 16 writers,
//           on the file system of the temporary spools (scripts/bench/fsync.mjs)
//   mta     relay, local Maildir and sendmail scenarios on a throw-away Mailroom and a private
//           reference Postfix (scripts/bench/mta.mjs; docs/performance.md explains every column)
//   tables  the 1,000,000-key lookup-table benchmark (scripts/bench-tables.mjs)
//   queue   the 100,000-message queue benchmark (scripts/bench-queue.mjs, when present)
// Environment: BENCH_QUICK=1 (500 messages, a reduced matrix, smaller table/queue runs),
// BENCH_MESSAGES=N (messages per run), BENCH_SENDMAIL_MESSAGES=N (per sendmail run; default
// 1,000 at most), BENCH_SCENARIOS=relay,local,sendmail.
// Prints a table and writes everything as JSON to bench/results/<timestamp>.json. Figures are
// printed, never asserted. Every process and temporary directory is removed on exit, on failure
// and on Ctrl-C.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { installExitHandlers, isRoot, killPid, onCleanup, ROOT, runCleanups, which } from './bench/lib.mjs';

installExitHandlers();
const quick = /^(1|yes|true)$/i.test(process.env.BENCH_QUICK ?? '');
const parts = (process.env.BENCH_PARTS ?? 'fsync,mta,tables,queue').split(',').map((s) => s.trim()).filter(Boolean);
const messages = process.env.BENCH_MESSAGES ? Number(process.env.BENCH_MESSAGES) : undefined;
const sendmailMessages = process.env.BENCH_SENDMAIL_MESSAGES ? Number(process.env.BENCH_SENDMAIL_MESSAGES) : undefined;
const kinds = process.env.BENCH_SCENARIOS ? process.env.BENCH_SCENARIOS.split(',').map((s) => s.trim()) : undefined;
const started = new Date();
const result = { started: started.toISOString(), quick, host: hostInfo(), notes: [] };
let failed = false;

function hostInfo() {
  const version = (cmd, args) => {
    try {
      return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    } catch {
      return undefined;
    }
  };
  return {
    node: process.version,
    os: `${os.type()} ${os.release()}`,
    cpus: os.cpus().length,
    cpuModel: os.cpus()[0]?.model,
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    loadAverage: os.loadavg().map((l) => Number(l.toFixed(2))),
    postfix: version(which('postconf') ?? 'postconf', ['-dh', 'mail_version']),
    commit: version('git', ['-C', ROOT, 'rev-parse', '--short', 'HEAD']),
    root: isRoot,
  };
}

/**
 * ensurePeers - smtp-source, smtp-sink (and, as root, /usr/sbin/postfix for the reference
 * instance) come with Debian's `postfix` package: install it when root, else say what to install.
 */
function ensurePeers() {
  const missing = () => ['smtp-source', 'smtp-sink', 'postfix', 'sendmail'].filter((p) => !which(p) && !(p === 'sendmail' && fs.existsSync('/usr/sbin/sendmail')));
  let m = missing();
  if (!m.length) return true;
  const cmd = 'apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y postfix';
  if (isRoot && which('apt-get')) {
    console.log(`bench: ${m.join(', ')} missing: installing Debian's postfix package (${cmd})`);
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
    spawnSync('apt-get', ['update'], { stdio: 'inherit', env });
    spawnSync('apt-get', ['install', '-y', 'postfix'], { stdio: 'inherit', env });
    m = missing();
    if (!m.length) return true;
  }
  console.log(`bench: the MTA benchmark needs ${m.join(', ')} from Debian's \`postfix\` package (smtp-source and smtp-sink drive and receive the load; /usr/sbin/postfix is the reference). Install it with:
    sudo sh -c '${cmd}'
  (on other systems: Postfix 3.x with its smtp-source and smtp-sink test programs). The reference Postfix instance also needs root.`);
  return false;
}

/** runScript - run another benchmark script, echoing and keeping its output. */
function runScript(file, args) {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, [file, ...args], { stdio: ['ignore', 'pipe', 'inherit'], cwd: ROOT });
    const unregister = onCleanup(() => killPid(p.pid));
    let out = '';
    p.stdout.on('data', (c) => {
      process.stdout.write(c);
      out += c;
    });
    p.on('close', (code) => {
      unregister();
      resolve({ status: code, output: out.trimEnd().split('\n') });
    });
  });
}

const mib = (n) => n.toFixed(0);

try {
  if (parts.includes('fsync')) {
    const { fsyncRate } = await import('./bench/fsync.mjs');
    const ms = quick ? 1000 : 3000;
    console.log(`\n=== fsync ceiling (${os.tmpdir()}, the file system of the temporary spools) ===`);
    const one = await fsyncRate(os.tmpdir(), 1, ms);
    const many = await fsyncRate(os.tmpdir(), 16, ms);
    result.fsync = { dir: os.tmpdir(), seconds: ms / 1000, oneWriter: Math.round(one), sixteenWriters: Math.round(many) };
    console.log(`fsync: ${mib(one)} commits/s with 1 writer, ${mib(many)} commits/s with 16 writers (write 512 B + fsync + rename)`);
  }

  if (parts.includes('mta')) {
    console.log(`\n=== Mailroom vs Postfix${quick ? ' (BENCH_QUICK: reduced matrix)' : ''} ===`);
    if (ensurePeers()) {
      const { ratios, runMtaBench, table } = await import('./bench/mta.mjs');
      const mta = await runMtaBench({ quick, messages, sendmailMessages, kinds });
      mta.ratios = ratios(mta);
      mta.table = table(mta, mta.ratios);
      result.mta = mta;
      result.notes.push(...mta.notes);
      if (mta.runs.some((r) => r.error)) failed = true;
    } else {
      result.notes.push('mta: skipped, smtp-source/smtp-sink/postfix not installed');
      failed = true;
    }
  }

  for (const [part, script, args] of [['tables', 'bench-tables.mjs', quick ? ['100000'] : []], ['queue', 'bench-queue.mjs', []]]) {
    if (!parts.includes(part)) continue;
    const file = path.join(ROOT, 'scripts', script);
    if (!fs.existsSync(file)) {
      result.notes.push(`${part}: ${script} not present`);
      continue;
    }
    console.log(`\n=== ${script} ${args.join(' ')} ===`);
    const r = await runScript(file, args);
    result[part] = { script, args, ...r };
    if (r.status !== 0) failed = true;
  }
} finally {
  runCleanups();
}

result.finished = new Date().toISOString();
console.log(`\n=== Summary${quick ? ' (BENCH_QUICK)' : ''}: ${result.started} on ${result.host.cpus} CPUs, ${result.host.cpuModel ?? ''}, Postfix ${result.host.postfix ?? '?'}, Node ${result.host.node} ===`);
if (result.mta) {
  const counts = [...new Set(result.mta.scenarios.map((s) => `${s.kind} ${s.messages}`))].join(', ');
  console.log(`\n${result.mta.table}\n(messages per run: ${counts}; ratio = Mailroom / Postfix; e2e/accept: higher is better, the rest: lower is better)`);
}
if (result.fsync) console.log(`\nfsync ceiling: ${result.fsync.oneWriter}/s with 1 writer, ${result.fsync.sixteenWriters}/s with 16 writers`);
for (const n of result.notes) console.log(`note: ${n}`);
const dir = path.join(ROOT, 'bench', 'results');
const file = path.join(dir, `${started.toISOString().replace(/[:.]/g, '-')}.json`);
try {
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`);
  console.log(`\nresults: ${path.relative(process.cwd(), file) || file}`);
} catch (err) {
  console.log(`\nbench: cannot write the results: ${err.message}`);
  failed = true;
}
process.exit(failed ? 1 : 0);
