/*
 * A bounded run of the fault injection behind `npm run chaos` (engine.ts, docs/chaos.md):
 * 200 messages into a whole instance while its daemons are killed with SIGKILL at random
 * moments and master once (then restarted with `postfix start`). No message answered
 * with 250 may be lost; duplicates (a delivery agent killed after delivering but before
 * recording it) are only reported.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runChaos, summary } from './engine.js';

test('SIGKILL of daemons and of master while 200 messages arrive loses none', { timeout: 120_000 }, async (t) => {
  const r = await runChaos({ n: 200, seed: 4242, minKillMs: 150, maxKillMs: 400, drainMs: 40_000, sessions: 6, perConnection: 5 });
  t.diagnostic(summary(r).replace(/\n/g, ' | '));
  assert.ok(r.accepted >= 150, `most messages accepted (${r.accepted})`);
  assert.equal(r.masterKills, 1, 'master killed and restarted once');
  assert.ok(Object.values(r.kills).reduce((a, b) => a + b, 0) > 0, 'daemons were killed');
  assert.deepEqual(r.lost, [], 'no accepted message lost');
});
