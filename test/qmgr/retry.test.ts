/*
 * End-to-end: what happens after a delivery attempt. Deferred mail keeps its reason in
 * the defer log, waits in deferred/ and is delivered when the destination comes back;
 * a bounced recipient gets exactly one failure notice (asked of the test bounce daemon,
 * and asked again after bounce said "defer"); expired mail is returned with its 4.x.x
 * reason; a delay notice is sent once; NOTIFY=SUCCESS gets a success notice; a
 * transport without an agent defers with "mail transport unavailable" and is not
 * retried in a loop.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { readStatusLog } from '@mailroom/global';
import { cleanup, logMessages, runMaster, waitFor } from '../master/instance.js';
import { deliveries, inject, makeQmgrInstance, notices, queueIds, setRules, trigger } from './harness.js';

test('deferred mail is retried, bounced and expired mail is returned, notices are sent once', { timeout: 90_000 }, async (t) => {
  const inst = await makeQmgrInstance('transport_maps = texthash:$config_directory/transport');
  t.after(() => cleanup(inst));
  fs.writeFileSync(path.join(inst.etc, 'transport'), 'nowhere.test  nosuch:nowhere.test\n', { mode: 0o644 });
  const deferredRules = {
    '@later.test': { status: 'deferred' as const, dsn: '4.2.0', reason: '451 4.2.0 try later' },
    '@down.test': { status: 'deferred' as const, reason: 'connect to down.test: Connection refused' },
    '@slowpoke.test': { status: 'deferred' as const },
  };
  setRules(inst, { agent: { ...deferredRules, 'bad@fast.test': { status: 'bounced', reason: '550 5.1.1 no such user' } }, bounce: 'defer' });
  const now = Math.floor(Date.now() / 1000);
  const [m1, m2, m3, m4, m5, m6] = await inject(inst, [
    { recipients: ['a@fast.test', 'bad@fast.test'] },
    { recipients: ['u@later.test'] },
    { recipients: ['v@down.test'], envelope: { createTime: now - 6 * 86400 } },
    { recipients: ['w@slowpoke.test'], envelope: { warnTime: now - 10 } },
    { recipients: ['x@nowhere.test'] },
    { recipients: [{ address: 'happy@fast.test', notify: 2 }] },
  ]);
  await runMaster(inst);

  // Phase 1: bounce answers "defer": every message with a notice to send stays queued.
  const asked = (id: string | undefined, kind: string, answered?: string): number =>
    notices(inst).filter((n) => n.queueId === id && n.kind === kind && (!answered || n.answered === answered)).length;
  await waitFor('notices asked and refused', () => asked(m1, 'failure') > 0 && asked(m3, 'failure') > 0 && asked(m4, 'delay') > 0 && asked(m6, 'success') > 0, 20_000);
  const logged = (pred: (l: string) => boolean): Promise<void> => waitFor('log line', () => logMessages(inst).some(pred), 5_000);
  await logged((l) => l === `${m3}: from=<sender@mail.test>, status=expired, returned to sender`);
  await logged((l) => l.startsWith(`${m5}: to=<x@nowhere.test>, relay=none, delay=`) && l.endsWith('dsn=4.3.0, status=deferred (mail transport unavailable)'));
  await waitFor('later.test deferred with its reason', () => queueIds(inst, 'deferred').includes(m2 as string), 10_000);
  const reasons = readStatusLog(inst.queue, 'defer', m2 as string);
  assert.deepEqual(reasons.map((r) => [r.recipient, r.dsn, r.action, r.reason]), [['u@later.test', '4.2.0', 'delayed', '451 4.2.0 try later']]);

  // Phase 2: bounce accepts: each notice is sent once, the messages go away.
  setRules(inst, { agent: deferredRules, bounce: 'ok' });
  await waitFor('bounced, expired and traced mail removed', () => [m1, m3, m6].every((id) => logMessages(inst).includes(`${id}: removed`)), 20_000);
  await waitFor('delay notice sent', () => asked(m4, 'delay', 'ok') === 1, 10_000);
  const failure = notices(inst).filter((n) => n.queueId === m1 && n.answered === 'ok');
  assert.equal(failure.length, 1);
  assert.deepEqual(failure[0]?.recipients.map((r) => [r.address, r.action, r.dsn]), [['bad@fast.test', 'failed', '5.1.1']]);
  const expiry = notices(inst).filter((n) => n.queueId === m3 && n.answered === 'ok');
  assert.deepEqual(expiry.map((n) => [n.kind, n.recipients.map((r) => [r.address, r.action, r.dsn, r.reason])]), [
    ['failure', [['v@down.test', 'failed', '4.4.1', 'connect to down.test: Connection refused']]],
  ]);
  const success = notices(inst).filter((n) => n.queueId === m6 && n.answered === 'ok');
  assert.deepEqual(success.map((n) => [n.kind, n.recipients.map((r) => [r.address, r.action])]), [['success', [['happy@fast.test', 'delivered']]]]);
  const sentTo = (addr: string): number => deliveries(inst).filter((d) => d.recipients.includes(addr) && d.statuses[d.recipients.indexOf(addr)] !== 'deferred').length;
  assert.equal(sentTo('a@fast.test'), 1, 'a delivered recipient is not delivered again on retry');
  assert.equal(sentTo('bad@fast.test'), 1, 'a bounced recipient is not tried again');

  // Phase 3: the destinations come back.
  setRules(inst, {});
  await waitFor('deferred mail delivered', () => [m2, m4].every((id) => logMessages(inst).includes(`${id}: removed`)), 20_000);
  assert.equal(asked(m4, 'delay', 'ok'), 1, 'one delay notice only');
  assert.equal(sentTo('u@later.test'), 1);

  // The transport without an agent: still deferred, tried only once per retry.
  assert.deepEqual(queueIds(inst, 'deferred'), [m5]);
  const attempts = logMessages(inst).filter((l) => l.startsWith(`${m5}: to=<x@nowhere.test>`)).length;
  assert.ok(attempts >= 1 && attempts <= 20, `${attempts} attempts`);
  assert.equal(deliveries(inst).filter((d) => d.queueId === m5).length, 0);

  // postfix flush makes it eligible at once (mtime reset), and it is deferred again.
  const before = logMessages(inst).filter((l) => l.startsWith(`${m5}: from=<`)).length;
  await trigger(inst, 'FADI');
  await waitFor('flushed message tried', () => logMessages(inst).filter((l) => l.startsWith(`${m5}: from=<`)).length > before, 5_000);
});
