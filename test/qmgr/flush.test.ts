/*
 * End-to-end: flushing. With a long backoff, deferred mail waits; `S<site>` (the
 * postqueue -s request) delivers one site's mail now and leaves the rest; `FADI`
 * (postfix flush / postqueue -f) resets every retry time and delivers everything,
 * including mail held back by defer_transports. Also: a corrupt file in incoming/ goes
 * to corrupt/, and mail to the `error` transport (no such master.cf service) bounces.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { execFileSync } from 'node:child_process';
import { newQueueId } from '@mailroom/global';
import { cleanup, isRoot, logMessages, runMaster, waitFor } from '../master/instance.js';
import { deliveries, inject, makeQmgrInstance, notices, queueIds, setRules, trigger } from './harness.js';

test('postqueue -s delivers one site now, postfix flush all the rest', { timeout: 60_000 }, async (t) => {
  const inst = await makeQmgrInstance([
    'minimal_backoff_time = 600s', 'maximal_backoff_time = 900s', 'queue_run_delay = 600s',
    'defer_transports = local', 'virtual_alias_domains = alias.test',
  ].join('\n'));
  t.after(() => cleanup(inst));
  setRules(inst, { agent: { '*': { status: 'deferred', reason: '451 not now' } } });
  const corrupt = newQueueId();
  fs.writeFileSync(inst.queue.path('incoming', corrupt), 'this is not a queue file', { mode: 0o700 });
  if (isRoot) execFileSync('chown', ['nobody', inst.queue.path('incoming', corrupt)]);
  const [site, other, local, unknown] = await inject(inst, [
    { recipients: ['a@site.test'] },
    { recipients: ['b@other.test'] },
    { recipients: ['carol@localhost'] },
    { recipients: ['nobody@alias.test'] },
  ]);
  await runMaster(inst);
  await waitFor('three messages deferred', () => queueIds(inst, 'deferred').length === 3, 15_000);
  // Log lines are written asynchronously: wait for them rather than assume them.
  const logged = (pred: (l: string) => boolean): Promise<void> => waitFor('log line', () => logMessages(inst).some(pred), 5_000);
  await logged((l) => l.startsWith(`${local}: to=<carol@localhost>`) && l.endsWith('dsn=4.3.2, status=deferred (deferred transport)'));
  await logged((l) => l.startsWith(`${unknown}: to=<nobody@alias.test>`) && l.endsWith('status=bounced (User unknown in virtual alias table)'));
  await logged((l) => l === `warning: saving corrupt file "${corrupt}" from queue "incoming" to queue "corrupt"`);
  await waitFor('the unknown recipient returned', () => notices(inst).some((n) => n.queueId === unknown && n.kind === 'failure'), 5_000);
  assert.deepEqual(queueIds(inst, 'corrupt'), [corrupt]);
  const retry = fs.statSync(inst.queue.path('deferred', site as string)).mtimeMs;
  assert.ok(retry > Date.now() + 500_000, 'next retry after minimal_backoff_time');

  setRules(inst, {});
  await trigger(inst, 'Ssite.test\n');
  await waitFor('site.test delivered', () => logMessages(inst).includes(`${site}: removed`), 10_000);
  await new Promise((r) => setTimeout(r, 500));
  assert.deepEqual(queueIds(inst, 'deferred'), [other, local].sort(), 'other sites wait');

  await trigger(inst, 'FADI');
  await waitFor('everything delivered', () => [other, local].every((id) => logMessages(inst).includes(`${id}: removed`)), 10_000);
  assert.deepEqual(deliveries(inst).filter((d) => d.statuses[0] === 'sent').map((d) => d.recipients[0]).sort(), ['a@site.test', 'b@other.test', 'carol@localhost']);
});
