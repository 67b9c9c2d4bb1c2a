/*
 * postsuper end to end, on a running instance (harness.ts): hold -> hold/ (and `!` in
 * postqueue -p when built) -> release -> delivered to a Maildir; delete of one message
 * (with its defer log) and of ALL; requeue after a transport_maps change reroutes the
 * message through pickup and cleanup; forced expiration returns mail to its sender.
 * The summaries are Postfix's (postsuper(1), fixtures/README.md).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import {
  cleanup, delivered, filesIn, findBySubject, hasShowq, idInQueue, logMessages, makeInstance, reload, run, send,
  setTransport, startMaster, waitFor, type Instance,
} from './harness.js';

/** stderrLines - what a command printed on standard error, line by line. */
const lines = (s: string): string[] => s.split('\n').filter(Boolean);

test('postsuper on a running system: hold, release, delete, requeue, expire', { timeout: 180_000 }, async () => {
  const inst: Instance = makeInstance();
  try {
    await startMaster(inst);

    // Mail for moved.example stays deferred (transport retry:) until the route changes.
    send(inst, 'alice@example.com', 'carol@moved.example', 'to-hold');
    send(inst, 'alice@example.com', 'carol@moved.example', 'to-delete');
    send(inst, 'alice@example.com', 'carol@moved.example', 'to-requeue');
    send(inst, 'alice@example.com', 'carol@moved.example', 'to-expire');
    send(inst, 'alice@example.com', 'carol@moved.example', 'to-delete-all');
    const ids: Record<string, string> = {};
    for (const s of ['to-hold', 'to-delete', 'to-requeue', 'to-expire', 'to-delete-all']) ids[s] = await idInQueue(inst, 'deferred', s, 30_000);
    // The deferral reason is in the defer log.
    await waitFor('defer log', () => fs.existsSync(inst.queue.path('defer', ids['to-delete'] as string)));

    // hold: the file goes to hold/, postqueue -p marks it with `!`.
    let r = run(inst, 'postsuper', ['-h', ids['to-hold'] as string]);
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(lines(r.stderr), [`postsuper: ${ids['to-hold']}: placed on hold`, 'postsuper: Placed on hold: 1 message']);
    assert.ok(fs.existsSync(inst.queue.path('hold', ids['to-hold'] as string)));
    assert.equal(findBySubject(inst, 'deferred', 'to-hold'), undefined);
    if (hasShowq) {
      const q = run(inst, 'postqueue', ['-p']);
      assert.match(q.stdout, new RegExp(`^${ids['to-hold']}!`, 'm'), q.stdout + q.stderr);
    }

    // delete one: the queue file and its defer log go.
    r = run(inst, 'postsuper', ['-d', ids['to-delete'] as string]);
    assert.deepEqual(lines(r.stderr), [`postsuper: ${ids['to-delete']}: removed`, 'postsuper: Deleted: 1 message']);
    assert.equal(findBySubject(inst, 'deferred', 'to-delete'), undefined);
    assert.ok(!fs.existsSync(inst.queue.path('defer', ids['to-delete'] as string)));
    assert.ok(logMessages(inst).includes(`${ids['to-delete']}: removed`), 'logged to maillog_file');
    assert.ok(logMessages(inst).includes('Deleted: 1 message'));

    // An unknown ID changes nothing and reports nothing; a bad one is warned about.
    r = run(inst, 'postsuper', ['-d', 'B0GUS1D', '-d', 'bad/id']);
    assert.deepEqual(lines(r.stderr), ['postsuper: warning: invalid mail queue id: bad/id']);

    // The route changes: moved.example is delivered by virtual(8) from now on.
    setTransport(inst, '');
    await reload(inst);

    // release: hold/ -> deferred/, due now, qmgr told: delivered.
    r = run(inst, 'postsuper', ['-H', ids['to-hold'] as string]);
    assert.deepEqual(lines(r.stderr), [`postsuper: ${ids['to-hold']}: released from hold`, 'postsuper: Released from hold: 1 message']);
    await waitFor('released mail delivered', () => delivered(inst, 'moved.example/carol', 'to-hold').length === 1, 30_000)
      .catch((err: Error) => { throw new Error(`${err.message}\n${logMessages(inst).slice(-40).join('\n')}`); });

    // requeue: back through pickup and cleanup (a new queue ID), then the new route.
    r = run(inst, 'postsuper', ['-r', ids['to-requeue'] as string]);
    assert.deepEqual(lines(r.stderr), [`postsuper: ${ids['to-requeue']}: requeued`, 'postsuper: Requeued: 1 message']);
    await waitFor('requeued mail delivered', () => delivered(inst, 'moved.example/carol', 'to-requeue').length === 1, 30_000);
    const copy = fs.readFileSync(delivered(inst, 'moved.example/carol', 'to-requeue')[0] as string, 'utf8');
    // cleanup's Received: headers name both queue files: the first one's and the copy's.
    const received = [...copy.matchAll(/\bid ([0-9A-Za-z]+)/g)].map((m) => m[1]);
    assert.ok(received.includes(ids['to-requeue']) && received.some((id) => id !== ids['to-requeue']), copy);
    assert.ok(!logMessages(inst).some((l) => l.includes('ignoring attribute record')), 'requeued attributes are kept');

    // forced expiration: returned to the sender with the last deferral reason.
    r = run(inst, 'postsuper', ['-e', ids['to-expire'] as string]);
    assert.deepEqual(lines(r.stderr), [`postsuper: ${ids['to-expire']}: expired`, 'postsuper: Force-expired: 1 message']);
    await waitFor('force-expired log line', () => logMessages(inst).includes(`${ids['to-expire']}: from=<alice@example.com>, status=force-expired, returned to sender`), 30_000);
    await waitFor('bounce to the sender', () => filesIn(path.join(inst.mail, 'example.com/alice/new')).some((f) => fs.readFileSync(f, 'utf8').includes('moved.example is not reachable yet')), 30_000);

    // delete ALL: what is left once the system is idle (the last deferred message), counted.
    const inQueues = (): string[] => ['incoming', 'active', 'deferred', 'hold'].flatMap((q) => filesIn(path.join(inst.spool, q)));
    await waitFor('only the last deferred message left', () => inQueues().length === 1 && findBySubject(inst, 'deferred', 'to-delete-all') !== undefined, 30_000);
    r = run(inst, 'postsuper', ['-d', 'ALL']);
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(lines(r.stderr), ['postsuper: Deleted: 1 message']);
    assert.equal(['incoming', 'active', 'deferred', 'hold', 'defer'].flatMap((q) => filesIn(path.join(inst.spool, q))).length, 0);
  } finally {
    cleanup(inst);
  }
});

test('held by header_checks, released with -H ALL, delivered', { timeout: 120_000 }, async () => {
  const inst = makeInstance();
  try {
    await startMaster(inst);
    send(inst, 'bob@example.com', 'alice@example.com', 'held one');
    send(inst, 'bob@example.com', 'alice@example.com', 'held two');
    await idInQueue(inst, 'hold', 'held one');
    await idInQueue(inst, 'hold', 'held two');
    const r = run(inst, 'postsuper', ['-H', 'ALL']);
    assert.deepEqual(lines(r.stderr), ['postsuper: Released from hold: 2 messages']);
    await waitFor('both delivered', () => delivered(inst, 'example.com/alice', 'held').length === 2, 30_000);
  } finally {
    cleanup(inst);
  }
});
