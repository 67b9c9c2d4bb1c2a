// scripts/bench/mta.mjs - Mailroom against a private reference Postfix, side by side in one run.
//
// Scenarios (each on both systems, one after the other, order alternating):
//   relay     smtp-source -> MTA -> smtp-sink (relayhost = [127.0.0.1]:<sink port>)
//   local     smtp-source -> MTA -> virtual(8) -> a Maildir under the instance's temp directory
//   sendmail  N runs of the system's sendmail (C at a time) -> pickup -> MTA -> smtp-sink
// with 1 KB and 100 KB payloads and 1, 20 and 100 concurrent sessions (sendmail: processes).
//
// Figures per run:
//   e2e/s      messages / (first connection -> last message in the sink or Maildir)
//   accept/s   messages / (first connection -> smtp-source, or the last sendmail, finished)
//   p50, p99   accept latency per message in ms: a second, shorter pass with our own SMTP client
//              (scripts/bench/smtp-client.mjs: MAIL FROM -> 250 after DATA, same sessions and size),
//              for sendmail the time of each sendmail process from start to exit
//   RSS        peak of the summed RSS of every process of the system, sampled every 100 ms
//              (master and all its descendants; for sendmail also the live sendmail/postdrop)
//   CPU/1k     CPU seconds (user+system) per 1,000 messages, of every process of the system,
//              exited ones included (from /proc: utime+stime+cutime+cstime of master's tree;
//              sendmail processes through this process's cutime/cstime)
import { spawn } from 'node:child_process';
import {
  countFiles, isRoot, killPid, messageBody, onCleanup, quantile, Sampler, selfChildrenCpu, sleep, waitFor, which,
} from './lib.mjs';
import { sendLoad } from './smtp-client.mjs';
import { LOCAL_RCPT, Mailroom, Postfix, RELAY_RCPT, SENDER, Sink } from './systems.mjs';

const KB = 1024;

/** matrix - the scenarios of a full or a quick run. */
export function matrix({ quick, messages, sendmailMessages, kinds }) {
  const n = messages ?? (quick ? 500 : 5000);
  // Every sendmail message is a new process (for Mailroom a Node.js start of about 0.2 s of CPU):
  // 5,000 of them per run would make the full run last hours, so sendmail runs send 1,000.
  const nSendmail = sendmailMessages ?? Math.min(n, 1000);
  let list = [];
  if (quick) {
    list = [
      ['relay', KB, 1], ['relay', KB, 20], ['relay', KB, 100], ['relay', 100 * KB, 20],
      ['local', KB, 20], ['local', 100 * KB, 20],
      ['sendmail', KB, 20],
    ];
  } else {
    for (const kind of ['relay', 'local', 'sendmail']) {
      for (const size of [KB, 100 * KB]) for (const sessions of [1, 20, 100]) list.push([kind, size, sessions]);
    }
  }
  if (kinds) list = list.filter(([k]) => kinds.includes(k));
  return list.map(([kind, size, sessions]) => ({
    kind, size, sessions, messages: kind === 'sendmail' ? nSendmail : n,
    latencyMessages: kind === 'sendmail' ? 0 : Math.min(n, quick ? 200 : 1000),
    name: `${kind} ${size / KB}KB x${sessions}`,
  }));
}

/** runSmtpSource - smtp-source with sessions kept open (-d); resolves when it exits. */
function runSmtpSource(port, sc, rcpt) {
  return new Promise((resolve) => {
    const args = ['-d', '-s', String(sc.sessions), '-m', String(sc.messages), '-l', String(sc.size), '-f', SENDER, '-t', rcpt, `127.0.0.1:${port}`];
    const p = spawn(which('smtp-source') ?? 'smtp-source', args, { stdio: ['ignore', 'ignore', 'pipe'] });
    const unregister = onCleanup(() => killPid(p.pid));
    let err = '';
    p.stderr.on('data', (c) => (err = (err + c).slice(-2000)));
    p.on('error', (e) => resolve({ code: -1, err: e.message }));
    p.on('close', (code) => {
      unregister();
      resolve({ code, err: err.trim() });
    });
  });
}

/** runSendmailPool - `messages` sendmail processes, `concurrency` at a time; latency of each in ms. */
function runSendmailPool(sys, sc, live) {
  const input = `From: <${SENDER}>\nTo: <${RELAY_RCPT}>\nSubject: mailroom bench\n\n${messageBody(sc.size, '\n')}`;
  const [cmd, args] = sys.sendmailCommand(RELAY_RCPT);
  const latencies = [];
  let started = 0;
  let failed;
  const unregister = onCleanup(() => {
    for (const pid of live) killPid(pid);
  });
  const one = () => new Promise((resolve) => {
    const t0 = performance.now();
    const p = spawn(cmd, args, { stdio: ['pipe', 'ignore', 'pipe'] });
    live.add(p.pid);
    let err = '';
    p.stderr.on('data', (c) => (err = (err + c).slice(-1000)));
    p.stdin.on('error', () => {});
    p.stdin.end(input);
    p.on('error', (e) => {
      failed ??= e.message;
      resolve();
    });
    p.on('close', (code) => {
      live.delete(p.pid);
      if (code === 0) latencies.push(performance.now() - t0);
      else failed ??= `sendmail exit ${code}: ${err.trim()}`;
      resolve();
    });
  });
  const worker = async () => {
    while (started < sc.messages && !failed) {
      started++;
      await one();
    }
  };
  return Promise.all(Array.from({ length: sc.sessions }, worker)).then(() => {
    unregister();
    return { latencies, failed };
  });
}

/**
 * waitDelivered - poll `count` every 50 ms until it reaches `target`; fails when it has not moved
 * for `stallMs`. Returns the time (performance.now()) the target was seen. When the count stands
 * still short of the target for 3 s, `confirm()` may say that the system itself has delivered
 * them all (its log, its empty queue): the sink lost count (two dump files of the same name),
 * and the time of the last count is taken.
 */
async function waitDelivered(count, target, { stallMs = 60_000, confirm } = {}) {
  let last = -1;
  let lastChange = performance.now();
  let lastConfirm = 0;
  for (;;) {
    const n = count();
    const now = performance.now();
    if (n >= target) return now;
    if (n !== last) {
      last = n;
      lastChange = now;
    } else if (confirm && now - lastChange > 3000 && now - lastConfirm > 1000) {
      lastConfirm = now;
      if (confirm()) return lastChange;
    }
    if (now - lastChange > stallMs) {
      const err = new Error(`stuck: ${n} of ${target} delivered, no progress for ${stallMs / 1000} s`);
      err.delivered = n;
      throw err;
    }
    await sleep(50);
  }
}

/** oneRun - one scenario on one system. */
async function oneRun(sys, sink, sc, log) {
  sys.emptyMaildir();
  sink.clear();
  await waitFor(`${sys.name}'s queue to be empty before the run`, () => sys.queueEmpty(), 60_000, 200);
  const delivered = sc.kind === 'local' ? () => countFiles(sys.maildirNew()) : () => sink.count();
  const mark = sys.logMark();
  const confirmFor = (n) => () => sys.queueEmpty() && sys.sentSince(mark) >= n;
  const rcpt = sc.kind === 'local' ? LOCAL_RCPT : RELAY_RCPT;
  const live = new Set();
  const sampler = new Sampler(() => [...sys.roots(), ...live]);
  const children0 = selfChildrenCpu();
  const r = { scenario: sc.kind, size: sc.size, sessions: sc.sessions, messages: sc.messages, system: sys.name };
  sampler.start();
  const t0 = performance.now();
  let tAccept;
  let latencies = [];
  let driverError;
  const driver = (async () => {
    if (sc.kind === 'sendmail') {
      const res = await runSendmailPool(sys, sc, live);
      latencies = res.latencies;
      driverError = res.failed;
    } else {
      const res = await runSmtpSource(sys.port, sc, rcpt);
      if (res.code !== 0) driverError = `smtp-source exit ${res.code}: ${res.err}`;
    }
    tAccept = performance.now();
  })();
  let tDone;
  try {
    tDone = await Promise.race([
      waitDelivered(delivered, sc.messages, { confirm: confirmFor(sc.messages) }),
      driver.then(() => (driverError ? Promise.reject(new Error(driverError)) : new Promise(() => {}))),
    ]);
  } catch (err) {
    r.error = err.message;
    r.delivered = err.delivered ?? delivered();
  }
  await driver;
  const use = sampler.stop();
  if (sc.kind === 'sendmail') use.cpu += selfChildrenCpu() - children0;
  if (!r.error) {
    r.e2eRate = sc.messages / ((tDone - t0) / 1000);
    r.acceptRate = sc.messages / ((tAccept - t0) / 1000);
    r.seconds = { accept: (tAccept - t0) / 1000, e2e: (tDone - t0) / 1000 };
  }
  r.peakRssMiB = use.peakRss / 1048576;
  r.peakProcs = use.peakProcs;
  r.cpuPer1k = (use.cpu / sc.messages) * 1000;

  // Accept latency: a second, shorter pass with our own client (sendmail: measured above).
  if (!r.error && sc.kind !== 'sendmail') {
    try {
      latencies = await sendLoad({ port: sys.port, sessions: sc.sessions, messages: sc.latencyMessages, size: sc.size, from: SENDER, to: rcpt });
      await waitDelivered(delivered, sc.messages + sc.latencyMessages, { confirm: confirmFor(sc.messages + sc.latencyMessages) });
    } catch (err) {
      r.error = `latency pass: ${err.message}`;
    }
  }
  if (!r.error) {
    // Everything sent in both passes has arrived; once the queue is empty, more would be duplicates.
    await waitFor('the queue to empty', () => sys.queueEmpty(), 30_000, 100).catch(() => {});
    r.delivered = delivered();
    r.expected = sc.messages + (sc.kind === 'sendmail' ? 0 : sc.latencyMessages);
    if (r.delivered > r.expected) r.duplicates = r.delivered - r.expected;
  }
  if (latencies.length) {
    r.latencySamples = latencies.length;
    r.p50Ms = quantile(latencies, 0.5);
    r.p99Ms = quantile(latencies, 0.99);
  }
  if (r.error) {
    r.queue = sys.queueCounts();
    r.logTail = sys.problems(10);
    log(`  ${sys.name}: FAILED: ${r.error}; queue ${JSON.stringify(r.queue)}`);
    for (const l of r.logTail) log(`    ${l}`);
  } else {
    const extra = r.duplicates ? ` (${r.delivered} of ${r.expected} delivered: ${r.duplicates} twice?)` : '';
    log(`  ${sys.name.padEnd(8)} e2e ${r.e2eRate.toFixed(1)}/s  accept ${r.acceptRate.toFixed(1)}/s  p50 ${fmt(r.p50Ms, 1)} ms  p99 ${fmt(r.p99Ms, 1)} ms  RSS ${r.peakRssMiB.toFixed(0)} MiB  CPU ${r.cpuPer1k.toFixed(2)} s/1k${extra}`);
  }
  sys.emptyMaildir();
  sink.clear();
  return r;
}

const fmt = (v, d) => (v === undefined || Number.isNaN(v) ? '-' : v.toFixed(d));

/** warmUp - a few messages through each system so that every daemon has started once. */
async function warmUp(sys, sink) {
  const res = await runSmtpSource(sys.port, { sessions: 5, messages: 50, size: KB }, RELAY_RCPT);
  if (res.code !== 0) throw new Error(`${sys.name}: warm-up failed: smtp-source exit ${res.code}: ${res.err}`);
  await waitDelivered(() => sink.count(), 50, 30_000);
  sink.clear();
}

/**
 * runMtaBench - start both systems (Postfix only as root), run every scenario on each, stop them.
 * Returns { scenarios, systems, runs, notes }.
 */
export async function runMtaBench({ quick, messages, sendmailMessages, kinds, log = console.log }) {
  const scenarios = matrix({ quick, messages, sendmailMessages, kinds });
  const notes = [];
  const systems = [];
  const candidates = [Mailroom, ...(isRoot ? [Postfix] : [])];
  if (!isRoot) notes.push('not root: the reference Postfix needs root, so only Mailroom was measured (no ratios)');
  for (const System of candidates) {
    const sink = await new Sink().start();
    const sys = await new System().start(sink.port);
    log(`${sys.name}: started (master pid ${sys.masterPid}, smtpd 127.0.0.1:${sys.port}, sink 127.0.0.1:${sink.port}, ${sys.dir})`);
    await warmUp(sys, sink);
    systems.push({ sys, sink });
  }
  const runs = [];
  try {
    for (const [i, sc] of scenarios.entries()) {
      log(`${sc.name}: ${sc.messages} messages`);
      const order = i % 2 ? [...systems].reverse() : systems;
      for (const { sys, sink } of order) runs.push(await oneRun(sys, sink, sc, log));
    }
  } finally {
    for (const { sys, sink } of systems) {
      sys.stop();
      sink.stop();
    }
  }
  return { scenarios, systems: systems.map(({ sys }) => sys.name), runs, notes };
}

const FIGURES = [
  ['e2eRate', 'e2e msg/s', 1],
  ['acceptRate', 'accept msg/s', 1],
  ['p50Ms', 'p50 ms', 1],
  ['p99Ms', 'p99 ms', 1],
  ['peakRssMiB', 'peak RSS MiB', 0],
  ['cpuPer1k', 'CPU s/1k msg', 2],
];

/** ratios - Mailroom/Postfix for each figure of each scenario. */
export function ratios(result) {
  const out = [];
  for (const sc of result.scenarios) {
    const mr = result.runs.find((r) => r.system === 'mailroom' && r.scenario === sc.kind && r.size === sc.size && r.sessions === sc.sessions);
    const pf = result.runs.find((r) => r.system === 'postfix' && r.scenario === sc.kind && r.size === sc.size && r.sessions === sc.sessions);
    if (!mr || !pf) continue;
    const row = { scenario: sc.kind, size: sc.size, sessions: sc.sessions };
    for (const [key] of FIGURES) row[key] = mr[key] !== undefined && pf[key] ? mr[key] / pf[key] : undefined;
    out.push(row);
  }
  return out;
}

/** table - the figures as a text table: per scenario a row per system and a ratio row. */
export function table(result, ratioRows) {
  const head = ['scenario', 'system', ...FIGURES.map(([, h]) => h)];
  const rows = [];
  for (const sc of result.scenarios) {
    const these = result.runs.filter((r) => r.scenario === sc.kind && r.size === sc.size && r.sessions === sc.sessions);
    these.sort((a, b) => (a.system === 'mailroom' ? -1 : b.system === 'mailroom' ? 1 : 0));
    these.forEach((r, i) => {
      const label = i === 0 ? sc.name : '';
      if (r.error && r.e2eRate === undefined) rows.push([label, r.system, `FAILED: ${r.error}`]);
      else rows.push([label, r.system, ...FIGURES.map(([k, , d]) => fmt(r[k], d))]);
    });
    const ratio = ratioRows.find((x) => x.scenario === sc.kind && x.size === sc.size && x.sessions === sc.sessions);
    if (ratio) rows.push(['', 'ratio', ...FIGURES.map(([k]) => fmt(ratio[k], 2))]);
  }
  const widths = head.map((h, c) => Math.max(h.length, ...rows.filter((r) => r.length === head.length).map((r) => String(r[c] ?? '').length)));
  const line = (cells) => cells.map((c, i) => (i < 2 ? String(c).padEnd(widths[i]) : String(c).padStart(widths[i]))).join('  ');
  const out = [line(head), widths.map((w) => '-'.repeat(w)).join('  ')];
  for (const r of rows) out.push(r.length === head.length ? line(r) : `${String(r[0]).padEnd(widths[0])}  ${String(r[1]).padEnd(widths[1])}  ${r[2]}`);
  return out.join('\n');
}
