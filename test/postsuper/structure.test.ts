/*
 * postsuper on a spool without daemons: -s puts a file placed in the wrong hash
 * directory back (and removes hash levels no longer wanted), -p purges temporary files
 * older than a day, -d - reads queue IDs from standard input, the ALL forms count and
 * pluralize as Postfix, the usage and bad queue names fail as Postfix's.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { chownSpool, cleanup, filesIn, makeSpool, queueFile, run } from './harness.js';

const lines = (s: string): string[] => s.split('\n').filter(Boolean);

test('postsuper -s moves a file from the wrong hash directory back', async () => {
  const inst = makeSpool();
  try {
    const id = await queueFile(inst, { queue: 'deferred', recipients: ['a@example.com'] });
    const right = inst.queue.path('deferred', id);
    const wrongDir = path.join(path.dirname(right), '..', path.basename(path.dirname(right)) === '0' ? '1' : '0');
    const wrong = path.join(wrongDir, id);
    fs.renameSync(right, wrong);
    // a file in incoming/ under a hash level incoming does not have (hash_queue_names = deferred, defer)
    const id2 = await queueFile(inst, { queue: 'incoming', recipients: ['b@example.com'] });
    fs.mkdirSync(path.join(inst.spool, 'incoming', 'A'));
    fs.renameSync(inst.queue.path('incoming', id2), path.join(inst.spool, 'incoming', 'A', id2));
    chownSpool(inst);
    const r = run(inst, 'postsuper', ['-s']);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stderr, '');
    assert.ok(fs.existsSync(right), 'moved back');
    assert.ok(!fs.existsSync(wrong));
    assert.ok(fs.existsSync(inst.queue.path('incoming', id2)));
    assert.ok(!fs.existsSync(path.join(inst.spool, 'incoming', 'A')), 'unneeded hash level removed');
    // -v names what it did, as Postfix's verbose mode
    fs.renameSync(right, wrong);
    const v = run(inst, 'postsuper', ['-sv', 'deferred']);
    assert.ok(lines(v.stderr).includes(`postsuper: renamed file ${wrong} as ${right}`), v.stderr);
  } finally {
    cleanup(inst);
  }
});

test('postsuper -p purges temporary files older than a day, and bogus names are reported', async () => {
  const inst = makeSpool();
  try {
    const complete = await queueFile(inst, { queue: 'incoming', recipients: ['a@example.com'] });
    const old = path.join(inst.spool, 'incoming', '4jhlQQ0000z1');
    const young = path.join(inst.spool, 'incoming', '4jhlQQ0001z1');
    fs.writeFileSync(old, 'partial', { mode: 0o600 });
    fs.writeFileSync(young, 'partial', { mode: 0o600 });
    const twoDaysAgo = Date.now() / 1000 - 2 * 86400;
    fs.utimesSync(old, twoDaysAgo, twoDaysAgo);
    fs.writeFileSync(path.join(inst.spool, 'deferred', 'not-a-queue-id'), 'x');
    chownSpool(inst);
    const r = run(inst, 'postsuper', []); // default: -s and -p
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(lines(r.stderr), ['postsuper: warning: bogus file name: deferred/not-a-queue-id']);
    assert.ok(!fs.existsSync(old), 'old temporary file purged');
    assert.ok(fs.existsSync(young), 'a writer may still be busy with a young one');
    assert.ok(fs.existsSync(inst.queue.path('incoming', complete)));
  } finally {
    cleanup(inst);
  }
});

test('postsuper -d - (standard input), ALL forms and their counts', async () => {
  const inst = makeSpool();
  try {
    const a = await queueFile(inst, { queue: 'deferred', recipients: ['a@example.com'] });
    const b = await queueFile(inst, { queue: 'deferred', recipients: ['b@example.com'] });
    const c = await queueFile(inst, { queue: 'incoming', recipients: ['c@example.com'] });
    const d = await queueFile(inst, { queue: 'active', recipients: ['d@example.com'] });
    let r = run(inst, 'postsuper', ['-h', 'ALL', 'deferred']);
    assert.deepEqual(lines(r.stderr), ['postsuper: Placed on hold: 2 messages']);
    assert.deepEqual(filesIn(path.join(inst.spool, 'hold')).map((f) => path.basename(f)).sort(), [a, b].sort());
    r = run(inst, 'postsuper', ['-d', '-'], `${a}\n${b}\nNOSUCHID1\n`);
    assert.deepEqual(lines(r.stderr), [`postsuper: ${a}: removed`, `postsuper: ${b}: removed`, 'postsuper: Deleted: 2 messages']);
    r = run(inst, 'postsuper', ['-r', 'ALL']);
    assert.deepEqual(lines(r.stderr), ['postsuper: Requeued: 2 messages']);
    assert.deepEqual(filesIn(path.join(inst.spool, 'maildrop')).map((f) => path.basename(f)).sort(), [c, d].sort());
    r = run(inst, 'postsuper', ['-d', 'ALL', '-d', c]);
    assert.deepEqual(lines(r.stderr), ['postsuper: warning: option "-d ALL" will ignore other command line queue IDs', 'postsuper: Deleted: 2 messages']);
    assert.deepEqual(filesIn(inst.spool).filter((f) => !f.includes('/pid/')), []);
    r = run(inst, 'postsuper', ['-x']);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /^postsuper: fatal: usage: postsuper \[-c config_dir\]/);
    r = run(inst, 'postsuper', ['-d', 'ALL', 'nosuchqueue']);
    assert.equal(lines(r.stderr)[0], 'postsuper: fatal: invalid directory name: nosuchqueue');
  } finally {
    cleanup(inst);
  }
});

test('postsuper -e marks forced expiration, -f also releases held mail', async () => {
  const inst = makeSpool();
  try {
    const held = await queueFile(inst, { queue: 'hold', recipients: ['a@example.com'] });
    const deferred = await queueFile(inst, { queue: 'deferred', recipients: ['b@example.com'] });
    let r = run(inst, 'postsuper', ['-e', held, '-e', deferred]);
    assert.deepEqual(lines(r.stderr), [`postsuper: ${held}: expired`, `postsuper: ${deferred}: expired`, 'postsuper: Force-expired: 2 messages']);
    assert.equal(fs.statSync(inst.queue.path('hold', held)).mode & 0o777, 0o710, 'group-execute bit, as Postfix');
    r = run(inst, 'postsuper', ['-f', held]);
    assert.deepEqual(lines(r.stderr), [
      `postsuper: ${held}: expired`, `postsuper: ${held}: released from hold`,
      'postsuper: Force-expired: 1 message', 'postsuper: Released from hold: 1 message',
    ]);
    assert.ok(fs.existsSync(inst.queue.path('deferred', held)));
  } finally {
    cleanup(inst);
  }
});

test('postsuper leaves a file of active/ alone while a delivery agent uses it', async () => {
  const inst = makeSpool();
  try {
    const busy = await queueFile(inst, { queue: 'active', recipients: ['a@example.com'] });
    const free = await queueFile(inst, { queue: 'active', recipients: ['b@example.com'] });
    // An agent's shared hold (queue/lock useQueueFile): a link naming a live process, this one.
    const hold = `${inst.queue.path('active', busy)}.use.${process.pid}.1`;
    fs.symlinkSync(`${process.pid}.1`, hold);
    let r = run(inst, 'postsuper', ['-d', 'ALL', 'active']);
    assert.deepEqual(lines(r.stderr), [`postsuper: warning: active/${busy}: queue file is in use by a running process; skipped`, 'postsuper: Deleted: 1 message']);
    assert.ok(fs.existsSync(inst.queue.path('active', busy)));
    assert.ok(!fs.existsSync(inst.queue.path('active', free)));
    r = run(inst, 'postsuper', ['-h', busy]);
    assert.deepEqual(lines(r.stderr), [`postsuper: warning: active/${busy}: queue file is in use by a running process; skipped`]);
    fs.unlinkSync(hold);
    r = run(inst, 'postsuper', ['-h', busy]);
    assert.deepEqual(lines(r.stderr), [`postsuper: ${busy}: placed on hold`, 'postsuper: Placed on hold: 1 message']);
    assert.deepEqual(fs.readdirSync(inst.queue.queuePath('active')), [], 'no lock left behind');
  } finally {
    cleanup(inst);
  }
});
