#!/usr/bin/env node
// npm run chaos - fault injection against a whole throw-away instance (docs/chaos.md):
// sends CHAOS_N messages (default 2000) while SIGKILLing master's children at random
// moments and master itself once, then counts lost (must be 0), delivered twice and
// still queued messages. Exits 1 when a message was lost. CHAOS_SEED repeats a run's
// random choices; CHAOS_KEEP=1 keeps the instance directory for a look afterwards.
import { runChaos, summary } from '../test/dist/chaos/engine.js';

const n = Number(process.env.CHAOS_N ?? 2000);
const seed = process.env.CHAOS_SEED ? Number(process.env.CHAOS_SEED) : undefined;
const result = await runChaos({
  n,
  seed,
  victims: process.env.CHAOS_VICTIMS ? process.env.CHAOS_VICTIMS.split(',') : undefined,
  slowSink: process.env.CHAOS_SLOW_SINK !== '0',
  keep: process.env.CHAOS_KEEP === '1',
  drainMs: Number(process.env.CHAOS_DRAIN_MS ?? 180_000),
  log: (line) => console.log(`chaos: ${line}`),
});
console.log(`\n${summary(result)}`);
if (process.env.CHAOS_KEEP === '1') console.log(`instance kept in ${result.dir}`);
process.exit(result.lost.length > 0 ? 1 : 0);
