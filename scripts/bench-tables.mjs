#!/usr/bin/env node
// Lookup-table benchmark: builds a 1,000,000-key hash: and lmdb: table with bin/postmap in a
// temporary directory, then prints build time, file size, single-lookup latency (p50/p99 over
// 100,000 random hits and 20,000 misses through openTable) and memory. Figures are printed,
// never asserted. Usage: node scripts/bench-tables.mjs [entries]   (needs `npm run build`)
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const { openTable } = await import(path.join(root, 'packages/global/dist/index.js'));
const N = Number(process.argv[2] ?? 1_000_000);
const HITS = 100_000;
const MISSES = 20_000;
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mailroom-bench-tables-'));
const mb = (n) => `${(n / 1048576).toFixed(1)} MiB`;

function quantiles(ns) {
  const s = Float64Array.from(ns).sort();
  const q = (p) => (s[Math.min(s.length - 1, Math.floor(p * s.length))] / 1000).toFixed(1);
  const mean = (s.reduce((a, b) => a + b, 0) / s.length / 1000).toFixed(1);
  return `p50 ${q(0.5)} us  p99 ${q(0.99)} us  mean ${mean} us`;
}

try {
  const src = path.join(dir, 'virtual');
  const t0 = performance.now();
  const fd = fs.openSync(src, 'w');
  const CHUNK = 50_000;
  for (let i = 0; i < N; i += CHUNK) {
    let text = '';
    for (let j = i; j < Math.min(N, i + CHUNK); j++) text += `user${j}@example${j % 1000}.com local${j},archive${j}@example.net\n`;
    fs.writeSync(fd, text);
  }
  fs.closeSync(fd);
  console.log(`tables: source of ${N.toLocaleString()} entries, ${mb(fs.statSync(src).size)}, written in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  const config = path.join(dir, 'etc');
  fs.mkdirSync(config);
  fs.writeFileSync(path.join(config, 'main.cf'), '');

  for (const type of ['hash', 'lmdb']) {
    const b0 = performance.now();
    const r = spawnSync(path.join(root, 'bin', 'postmap'), ['-c', config, `${type}:${src}`], { encoding: 'utf8' });
    const buildS = (performance.now() - b0) / 1000;
    if (r.status !== 0) throw new Error(`postmap ${type}: ${r.stderr}`);
    const file = `${src}${type === 'hash' ? '.db' : '.lmdb'}`;
    console.log(`${type}: postmap build ${buildS.toFixed(2)} s, ${mb(fs.statSync(file).size)}`);

    const q0 = performance.now();
    const q = spawnSync(path.join(root, 'bin', 'postmap'), ['-c', config, '-q', 'user4242@example242.com', `${type}:${src}`], { encoding: 'utf8' });
    console.log(`${type}: postmap -q (whole process) ${(performance.now() - q0).toFixed(0)} ms -> ${q.stdout.trim()}`);

    global.gc?.();
    const before = process.memoryUsage();
    const table = openTable(`${type}:${src}`);
    const after = process.memoryUsage();
    console.log(`${type}: open: rss +${mb(after.rss - before.rss)}, heap +${mb(after.heapUsed - before.heapUsed)}`);
    for (let i = 0; i < 2000; i++) await table.get(`user${(i * 7919) % N}@example${((i * 7919) % N) % 1000}.com`);
    const hits = new Float64Array(HITS);
    let found = 0;
    for (let i = 0; i < HITS; i++) {
      const k = Math.floor(Math.random() * N);
      const t = process.hrtime.bigint();
      const v = await table.get(`user${k}@example${k % 1000}.com`);
      hits[i] = Number(process.hrtime.bigint() - t);
      if (v !== undefined) found++;
    }
    const misses = new Float64Array(MISSES);
    for (let i = 0; i < MISSES; i++) {
      const t = process.hrtime.bigint();
      await table.get(`nobody${i}@example.org`);
      misses[i] = Number(process.hrtime.bigint() - t);
    }
    console.log(`${type}: ${HITS.toLocaleString()} random hits (${found} found): ${quantiles(hits)}`);
    console.log(`${type}: ${MISSES.toLocaleString()} misses: ${quantiles(misses)}`);
    console.log(`${type}: rss after lookups ${mb(process.memoryUsage().rss)}`);
    table.close();
  }
} finally {
  fs.rmSync(dir, { recursive: true, force: true });
}
