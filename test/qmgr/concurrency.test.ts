/*
 * End-to-end: the scheduler under load, seen from the test agent's records (start and
 * end of every delivery): the destination concurrency limit holds, local deliveries
 * are limited per recipient, a slow destination does not delay a fast one, and a
 * destination that keeps failing is declared dead and its mail deferred without
 * reaching the agent.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cleanup, logMessages, runMaster, waitFor } from '../master/instance.js';
import { deliveries, inject, makeQmgrInstance, setRules, type Delivery } from './harness.js';

/** maxOverlap - the most deliveries in progress at one moment. */
function maxOverlap(ds: readonly Delivery[]): number {
  const events = ds.flatMap((d) => [[d.start, 1], [d.end, -1]] as const).sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  let cur = 0;
  let max = 0;
  for (const [, delta] of events) max = Math.max(max, (cur += delta));
  return max;
}

test('concurrency limits hold and a slow destination does not delay a fast one', { timeout: 60_000 }, async (t) => {
  const inst = await makeQmgrInstance('smtp_destination_concurrency_limit = 3\ninitial_destination_concurrency = 2');
  t.after(() => cleanup(inst));
  setRules(inst, { agent: { '@slow.test': { status: 'sent', delayMs: 400 }, '@localhost': { status: 'sent', delayMs: 300 } } });
  const msgs = [
    ...Array.from({ length: 15 }, (_, i) => ({ recipients: [`s${i}@slow.test`] })),
    ...Array.from({ length: 15 }, (_, i) => ({ recipients: [`f${i}@fast.test`] })),
    ...Array.from({ length: 6 }, () => ({ recipients: ['alice@localhost'] })),
    ...Array.from({ length: 6 }, () => ({ recipients: ['bob@localhost'] })),
  ];
  await inject(inst, msgs);
  await runMaster(inst);
  await waitFor('all delivered', () => logMessages(inst).filter((l) => l.endsWith(': removed')).length === msgs.length, 40_000);

  const got = deliveries(inst);
  const to = (pred: (d: Delivery) => boolean): Delivery[] => got.filter(pred);
  const slow = to((d) => d.nexthop === 'slow.test');
  const fast = to((d) => d.nexthop === 'fast.test');
  const alice = to((d) => d.recipients[0] === 'alice@localhost');
  const local = to((d) => d.transport === 'local');
  assert.equal(slow.length, 15);
  const overlap = maxOverlap(slow);
  assert.ok(overlap <= 3 && overlap >= 2, `slow.test concurrency ${overlap}`);
  assert.ok(maxOverlap(alice) <= 2, `one mailbox gets at most 2 deliveries at once (${maxOverlap(alice)})`);
  assert.ok(maxOverlap(local) > 2, 'the local limit is per recipient');
  const fastDone = Math.max(...fast.map((d) => d.end));
  const slowDone = Math.max(...slow.map((d) => d.end));
  assert.ok(fastDone < slowDone - 1000, `fast mail finished ${slowDone - fastDone} ms before slow mail`);
});

test('a failing destination is declared dead and its mail deferred without an attempt', { timeout: 60_000 }, async (t) => {
  const inst = await makeQmgrInstance('initial_destination_concurrency = 2\nminimal_backoff_time = 5s\nmaximal_backoff_time = 5s');
  t.after(() => cleanup(inst));
  const refused = 'connect to dead.test[192.0.2.1]:25: Connection refused';
  setRules(inst, { agent: { '@dead.test': { status: 'deferred', reason: refused, delayMs: 100, destinationFailed: true } } });
  const ids = await inject(inst, Array.from({ length: 10 }, (_, i) => ({ recipients: [`d${i}@dead.test`] })));
  await runMaster(inst);
  const deferredLines = (): string[] => logMessages(inst).filter((l) => l.includes('status=deferred (delivery temporarily suspended: '));
  await waitFor('mail to the dead destination deferred', () => deferredLines().length + deliveries(inst).length >= ids.length, 20_000);
  const tried = deliveries(inst).length;
  assert.ok(tried >= 1 && tried <= 3, `${tried} deliveries reached the agent`);
  assert.equal(deferredLines().length, ids.length - tried);
  assert.ok(deferredLines().every((l) => l.endsWith(`dsn=4.4.1, status=deferred (delivery temporarily suspended: ${refused})`)));
});
