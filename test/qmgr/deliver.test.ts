/*
 * End-to-end: qmgr under master takes complete files from incoming/, resolves every
 * recipient through trivial-rewrite, groups them per transport and next hop within
 * the recipient limits (50 for smtp, 1 for local), delivers through the test agent,
 * removes the files and logs as Postfix, while holding at most 2 messages and 100
 * recipients in memory (a bigger message is let in alone). The hold queue is left
 * alone, even by a flush.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cleanup, logMessages, runMaster, waitFor } from '../master/instance.js';
import { deliveries, inject, makeQmgrInstance, queueIds, trigger } from './harness.js';

test('mail is grouped per transport and next hop, delivered once, and removed', { timeout: 60_000 }, async (t) => {
  const inst = await makeQmgrInstance('qmgr_message_active_limit = 2\nqmgr_message_recipient_limit = 100');
  t.after(() => cleanup(inst));
  const big = Array.from({ length: 120 }, (_, i) => `r${i}@big.test`);
  const ids = await inject(inst, [
    { recipients: ['a@fast.test'] },
    { recipients: big, content: 'Subject: big\n\nbody\n' },
    { recipients: ['alice@localhost', 'bob@localhost', 'carol@mail.test'] },
    { recipients: ['x@fast.test', 'y@other.test', 'alice@localhost'] },
  ]);
  const held = await inject(inst, [{ recipients: ['held@fast.test'] }], 'hold');
  await runMaster(inst);
  await waitFor('four messages removed', () => logMessages(inst).filter((l) => l.endsWith(': removed')).length === 4, 30_000);

  const got = deliveries(inst);
  const of = (id: string | undefined): typeof got => got.filter((d) => d.queueId === id);
  assert.deepEqual(of(ids[0]).map((d) => [d.transport, d.nexthop, d.recipients.length]), [['smtp', 'fast.test', 1]]);
  assert.deepEqual(of(ids[1]).map((d) => d.recipients.length).sort((a, b) => a - b), [20, 50, 50], 'smtp: 50 recipients per delivery');
  assert.ok(of(ids[1]).every((d) => d.nexthop === 'big.test'));
  assert.deepEqual(of(ids[2]).map((d) => [d.transport, d.recipients.length]), [['local', 1], ['local', 1], ['local', 1]], 'local: one recipient per delivery');
  assert.deepEqual(of(ids[3]).map((d) => d.nexthop).sort(), ['fast.test', 'mail.test', 'other.test']);
  const bigStart = Math.min(...of(ids[1]).map((d) => d.start));
  const bigEnd = Math.max(...of(ids[1]).map((d) => d.end));
  const overlapping = got.filter((d) => d.queueId !== ids[1] && d.end > bigStart && d.start < bigEnd);
  assert.deepEqual(overlapping, [], 'the message over the recipient limit was in the active queue alone');
  const all = got.flatMap((d) => d.recipients.map((r) => `${d.queueId} ${r}`));
  assert.equal(all.length, new Set(all).size, 'no recipient delivered twice');
  assert.equal(all.length, 1 + 120 + 3 + 3);

  await waitFor('log lines written', () => logMessages(inst).filter((l) => l.endsWith('(queue active)')).length >= 4, 15_000);
  const log = logMessages(inst);
  const deferrals = log.filter((l) => /status=deferred|abandoned|locked or gone/.test(l));
  assert.deepEqual(log.filter((l) => l.endsWith('(queue active)')).length, 4, `each message entered the active queue once; deferrals:\n${deferrals.join('\n')}`);
  assert.ok(log.includes(`${ids[1]}: from=<sender@mail.test>, size=19, nrcpt=120 (queue active)`), 'queue active line');
  for (const id of ids) assert.ok(log.includes(`${id}: removed`), `${id} removed`);
  assert.deepEqual([queueIds(inst, 'incoming'), queueIds(inst, 'active'), queueIds(inst, 'deferred')], [[], [], []]);

  // The hold queue is never scheduled, not even by `postfix flush`.
  await trigger(inst, 'FADI');
  await new Promise((r) => setTimeout(r, 1500));
  assert.deepEqual(queueIds(inst, 'hold'), held);
  assert.equal(of(held[0]).length, 0);
});
