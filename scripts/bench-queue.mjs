#!/usr/bin/env node
// bench-queue - queue administration at scale: fills a fresh spool with 100,000 small
// messages (BENCH_QUICK=1: 10,000; BENCH_QUEUE_MESSAGES=N: N), then times the commands an
// administrator runs on a big queue: postqueue -p, postqueue -j (when bin/postqueue
// exists; with no showq running the superuser's postqueue reads the spool itself),
// qshape (incoming active deferred hold), postsuper -h ALL / -H ALL, and postsuper -d ALL.
// Prints a table; figures are never asserted. Run by scripts/bench.mjs (npm run bench).
//
// The fill does not use QueueFileWriter's durable commit per file (100,000 fsyncs would
// measure the disk, not the commands): a few hundred template files are written with the
// writer (different recipient domains and ages), then copied under fresh queue IDs with
// plain writes, 60% into deferred/ (each with a defer log), 20% incoming/, 10% active/,
// 10% hold/, as a busy system's queue looks. The fill is followed by sync(1), untimed.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const g = await import(`${root}packages/global/dist/index.js`);
const N = Number(process.env.BENCH_QUEUE_MESSAGES ?? (process.env.BENCH_QUICK ? 10_000 : 100_000));
const isRoot = process.getuid?.() === 0;
const owner = isRoot ? g.lookupUser('nobody') : undefined;

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mailroom-bench-queue-'));
fs.chmodSync(dir, 0o755);
const etc = path.join(dir, 'etc');
const spoolDir = path.join(dir, 'spool');
fs.mkdirSync(etc);
fs.writeFileSync(path.join(etc, 'main.cf'), [
  `queue_directory = ${spoolDir}`, `maillog_file = ${path.join(dir, 'maillog')}`,
  `mail_owner = ${owner ? owner.name : os.userInfo().username}`, '',
].join('\n'));
fs.writeFileSync(path.join(etc, 'master.cf'), '');

function fmt(ms) {
  return ms >= 10_000 ? `${(ms / 1000).toFixed(1)} s` : `${Math.round(ms)} ms`;
}

async function fill() {
  const spool = g.createSpool(spoolDir);
  const staging = g.createSpool(path.join(dir, 'staging'));
  const now = Date.now();
  const templates = [];
  for (let d = 0; d < 50; d++) {
    for (const ageMin of [1, 7, 15, 33, 70, 150, 300, 700, 1500, 4000]) {
      const w = new g.QueueFileWriter(staging, { queue: 'incoming' });
      w.setEnvelope({ sender: `sender${d % 7}@example.org`, arrivalTime: now - ageMin * 60_000 });
      w.addRecipient({ address: `user${d}@domain${d}.example` });
      if (d % 3 === 0) w.addRecipient({ address: `other@sub${d}.example.net` });
      await w.writeContent(Buffer.from(`From: sender@example.org\nTo: user${d}@domain${d}.example\nSubject: bench ${d}\n\nA small message.\n`));
      await w.commit();
      templates.push({ bytes: fs.readFileSync(w.path), rcpt: `user${d}@domain${d}.example` });
    }
  }
  const t0 = performance.now();
  for (let i = 0; i < N; i++) {
    const t = templates[i % templates.length];
    const id = g.newQueueId();
    const r = i % 10;
    const queue = r < 6 ? 'deferred' : r < 8 ? 'incoming' : r < 9 ? 'active' : 'hold';
    fs.writeFileSync(spool.path(queue, id), t.bytes, { mode: 0o700 });
    if (queue === 'deferred') {
      fs.writeFileSync(spool.path('defer', id), g.formatStatusRecords([{
        recipient: t.rcpt, original: t.rcpt, dsn: '4.4.1', action: 'delayed', time: now,
        reason: 'connect to mx.example[192.0.2.1]:25: Connection timed out',
      }]), { mode: 0o600 });
    }
  }
  if (owner) spawnSync('chown', ['-R', `${owner.uid}:${owner.gid}`, spoolDir]);
  const filled = performance.now() - t0;
  // Write the new files out before timing anything: the commands then meet a settled
  // disk, as on a system whose queue grew over hours, not one still flushing the fill.
  spawnSync('sync');
  return filled;
}

/** time - run a bin/ command against the bench instance; its output is discarded. */
function time(cmd, args) {
  const t0 = performance.now();
  const r = spawnSync(path.join(root, 'bin', cmd), args, {
    env: { ...process.env, MAIL_CONFIG: etc }, stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8', maxBuffer: 1 << 26,
  });
  const ms = performance.now() - t0;
  const note = r.status === 0 ? (r.stderr.trim().split('\n').pop() ?? '') : `FAILED (${r.status}): ${r.stderr.trim().split('\n')[0]}`;
  return { ms, note };
}

try {
  const fillMs = await fill();
  const rows = [['fill spool (plain writes)', `${N} messages`, fmt(fillMs), '']];
  const run = (label, cmd, args) => {
    const { ms, note } = time(cmd, args);
    const text = note.replace(/^postsuper: /, '');
    rows.push([label, `${N} messages`, fmt(ms), text.length > 60 ? `${text.slice(0, 57)}...` : text]);
  };
  if (fs.existsSync(path.join(root, 'bin', 'postqueue'))) {
    run('postqueue -p', 'postqueue', ['-p']);
    run('postqueue -j', 'postqueue', ['-j']);
  }
  run('qshape', 'qshape', ['incoming', 'active', 'deferred', 'hold']);
  run('postsuper -h ALL', 'postsuper', ['-h', 'ALL']);
  run('postsuper -H ALL', 'postsuper', ['-H', 'ALL']);
  run('postsuper -d ALL', 'postsuper', ['-d', 'ALL']);
  const w = [0, 1, 2, 3].map((c) => Math.max(...rows.map((r) => r[c].length), 8));
  console.log(`queue administration, ${N} queued messages (${os.cpus().length} CPUs)`);
  console.log(['what', 'size', 'time', 'summary'].map((h, i) => h.padEnd(w[i])).join('  '));
  for (const r of rows) console.log(r.map((c, i) => (i === 2 ? c.padStart(w[i]) : c.padEnd(w[i]))).join('  '));
} finally {
  fs.rmSync(dir, { recursive: true, force: true });
}
