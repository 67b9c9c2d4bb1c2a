/*
 * End-to-end restart safety: 200 messages (some queued before start, the rest while
 * it runs) are delivered while qmgr is killed with SIGKILL four times at random
 * moments; master restarts it and it recovers active/. Every recipient must reach the
 * test agent, and none twice (the duplicate count is printed as a diagnostic too).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { childrenOf, cleanup, logMessages, runMaster, waitFor } from '../master/instance.js';
import { deliveries, inject, makeQmgrInstance, notices, queueIds, setRules, trigger, type TestMessage } from './harness.js';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

test('SIGKILL of qmgr during a run loses nothing and delivers nothing twice', { timeout: 120_000 }, async (t) => {
  const inst = await makeQmgrInstance('smtp_destination_concurrency_limit = 4');
  t.after(() => cleanup(inst));
  setRules(inst, { agent: { '@a.test': { status: 'sent', delayMs: 20 }, '@b.test': { status: 'sent', delayMs: 5 } } });
  let seed = 7;
  const random = (): number => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
  const message = (i: number): TestMessage => ({
    recipients: [`m${i}@a.test`, ...(i % 2 === 0 ? [`m${i}@b.test`] : []), ...(i % 5 === 0 ? [`m${i}@localhost`] : [])],
  });
  const msgs = Array.from({ length: 200 }, (_, i) => message(i));
  const ids = await inject(inst, msgs.slice(0, 100));
  const master = await runMaster(inst);

  let kills = 0;
  for (let round = 0; round < 4; round++) {
    ids.push(...(await inject(inst, msgs.slice(100 + round * 25, 125 + round * 25))));
    await trigger(inst, 'I').catch(() => undefined); // qmgr may be down right now
    await sleep(150 + Math.floor(random() * 400));
    const [qmgr] = childrenOf(master.pid, 'qmgr');
    if (qmgr) {
      process.kill(qmgr.pid, 'SIGKILL');
      kills++;
      await waitFor('qmgr restarted', () => childrenOf(master.pid, 'qmgr').some((p) => p.pid !== qmgr.pid), 10_000);
    }
  }
  await trigger(inst, 'I').catch(() => undefined);
  // Files, not `removed` log lines: a line still in a killed process's buffer is lost.
  const queued = (): number => queueIds(inst, 'incoming').length + queueIds(inst, 'active').length + queueIds(inst, 'deferred').length;
  await waitFor('every message delivered and removed', () => queued() === 0, 60_000);

  const sent = new Map<string, number>();
  for (const d of deliveries(inst)) {
    d.recipients.forEach((r, i) => {
      if (d.statuses[i] === 'sent') sent.set(`${d.queueId} ${r}`, (sent.get(`${d.queueId} ${r}`) ?? 0) + 1);
    });
  }
  const expected = ids.flatMap((id, i) => (msgs[i] as TestMessage).recipients.map((r) => `${id} ${r as string}`));
  const missing = expected.filter((k) => !sent.has(k));
  const twice = expected.filter((k) => (sent.get(k) ?? 0) > 1);
  const recovered = logMessages(inst).filter((l) => /^recovered \d+ message\(s\) from the active queue$/.test(l)).length;
  t.diagnostic(`${kills} kills (${recovered} with mail in active/), ${expected.length} recipients, ${twice.length} delivered twice`);
  assert.equal(kills, 4);
  assert.ok(recovered >= 1, 'a kill caught mail in the active queue');
  assert.deepEqual(missing, [], 'every recipient delivered');
  assert.deepEqual(twice, [], 'no recipient delivered twice');
  assert.deepEqual(notices(inst), [], 'nothing bounced');
  assert.deepEqual([queueIds(inst, 'incoming'), queueIds(inst, 'active'), queueIds(inst, 'deferred'), queueIds(inst, 'corrupt')], [[], [], [], []]);
});

test('a reload while deliveries are in flight delivers nothing twice', { timeout: 60_000 }, async (t) => {
  const inst = await makeQmgrInstance();
  t.after(() => cleanup(inst));
  setRules(inst, { agent: { '*': { status: 'sent', delayMs: 1500 } } });
  const ids = await inject(inst, Array.from({ length: 10 }, (_, i) => ({ recipients: [`r${i}@slow.test`] })));
  const master = await runMaster(inst);
  await waitFor('deliveries in flight', () => logMessages(inst).filter((l) => l.includes('(queue active)')).length === ids.length, 10_000);
  const [old] = childrenOf(master.pid, 'qmgr');
  assert.ok(old);
  process.kill(master.pid, 'SIGHUP');
  await waitFor('every message removed', () => ids.every((id) => logMessages(inst).includes(`${id}: removed`)), 30_000);
  await waitFor('the old qmgr gone', () => !childrenOf(master.pid, 'qmgr').some((p) => p.pid === old.pid), 10_000);
  assert.equal(deliveries(inst).length, ids.length, 'each message delivered once');
  assert.ok(childrenOf(master.pid, 'qmgr').length === 1, 'a new qmgr runs');
});
