/*
 * postcat -q end to end: a queue ID is found in whichever queue holds it (Postfix's
 * order, then corrupt/), the markers name queue/hash/ID; -o offsets, -s starts at one
 * of them, -r is accepted (Mailroom files have no pointer records).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { cleanup, makeSpool, queueFile, run } from '../postsuper/harness.js';

test('postcat -q finds a message in any queue', async () => {
  const inst = makeSpool();
  try {
    const held = await queueFile(inst, { queue: 'hold', recipients: ['a@example.com'] });
    const deferred = await queueFile(inst, { queue: 'deferred', recipients: ['b@example.com'] });
    const corrupt = await queueFile(inst, { queue: 'corrupt', recipients: ['c@example.com'] });
    let r = run(inst, 'postcat', ['-q', held]);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`^\\*\\*\\* ENVELOPE RECORDS hold/${held} \\*\\*\\*\n`));
    assert.match(r.stdout, /^recipient: a@example\.com$/m);
    r = run(inst, 'postcat', ['-e', '-q', deferred]);
    assert.ok(r.stdout.startsWith(`*** ENVELOPE RECORDS ${inst.queue.relativePath('deferred', deferred)} ***\n`), r.stdout);
    r = run(inst, 'postcat', ['-q', corrupt]);
    assert.ok(r.stdout.includes(`corrupt/${corrupt}`), r.stdout);
    r = run(inst, 'postcat', ['-q', 'NOSUCHID123']);
    assert.equal(r.status, 1);
    assert.equal(r.stderr, 'postcat: fatal: open queue file NOSUCHID123: No such file or directory\n');

    // -o shows offsets; -s starts at one (the recipient record) and -r changes nothing.
    r = run(inst, 'postcat', ['-o', '-e', '-q', held]);
    const m = /^ *(\d+) recipient: a@example\.com$/m.exec(r.stdout);
    assert.ok(m, r.stdout);
    const from = run(inst, 'postcat', ['-r', '-e', '-s', m[1] as string, '-q', held]);
    assert.deepEqual(from.stdout.split('\n').slice(0, 3), [
      `*** ENVELOPE RECORDS hold/${held} ***`, 'recipient: a@example.com', `*** MESSAGE CONTENTS hold/${held} ***`,
    ]);
    r = run(inst, 'postcat', ['-s', 'x', fs.realpathSync(inst.queue.path('hold', held))]);
    assert.equal(r.stderr, 'postcat: fatal: bad offset value: x\n');
  } finally {
    cleanup(inst);
  }
});
