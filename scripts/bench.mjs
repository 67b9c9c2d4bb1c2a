#!/usr/bin/env node
// npm run bench - runs every benchmark script and prints its figures.
// Figures are printed (and saved under bench/results/ by the scripts that do so), never asserted.
// BENCH_QUICK=1 makes every scenario smaller.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';

const root = new URL('..', import.meta.url).pathname;
const benches = ['bench-tables.mjs'].filter((b) => fs.existsSync(`${root}scripts/${b}`));
let failed = 0;
for (const b of benches) {
  console.log(`\n=== ${b} ===`);
  const r = spawnSync(process.execPath, [`${root}scripts/${b}`], { stdio: 'inherit', cwd: root });
  if (r.status !== 0) failed++;
}
process.exit(failed ? 1 : 0);
