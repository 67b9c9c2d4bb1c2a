/*
 * Load spreading: when the running processes of an inet service report saturation,
 * master starts more (both cores work), never more than maxproc.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { childrenOf, cleanup, makeInstance, runMaster, talk } from './instance.js';

test('a saturated multi-client service gets more processes, bounded by maxproc', async (t) => {
  const inst = await makeInstance('max_use = 100000', (port) => `127.0.0.1:${port} inet n - n - 3 echo`);
  t.after(() => cleanup(inst));
  const m = await runMaster(inst);
  const pids = new Set<number>();
  let most = 0;
  const end = Date.now() + 6000;
  const client = async (): Promise<void> => {
    while (Date.now() < end) {
      const replies = await talk(inst.port, ['burn 20', 'burn 20', 'burn 20'], 20_000);
      for (const r of replies) pids.add(Number(r.split(' ')[0]));
    }
  };
  const sampler = setInterval(() => (most = Math.max(most, childrenOf(m.pid, 'echo').length)), 200);
  try {
    await Promise.all(Array.from({ length: 12 }, client));
  } finally {
    clearInterval(sampler);
  }
  assert.ok(pids.size >= 2, `only ${pids.size} process served the load`);
  assert.ok(pids.size <= 3, `${pids.size} processes served, maxproc is 3`);
  assert.ok(most <= 3, `${most} echo processes at once, maxproc is 3`);
});
