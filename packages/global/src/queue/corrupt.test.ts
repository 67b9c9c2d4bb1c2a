import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { isQueueFileError } from './errors.js';
import { loadQueueFile } from './move.js';
import { readQueueFileSync } from './reader.js';
import { captureLog, seededRandom, tempSpool, writeSample } from './testing.js';

/** plant - put bytes in a queue as a complete (mode 0700) file and return its ID. */
function plant(dir: string, id: string, bytes: Buffer): string {
  fs.writeFileSync(`${dir}/${id}`, bytes, { mode: 0o700 });
  fs.chmodSync(`${dir}/${id}`, 0o700);
  return id;
}

test('every truncation of a queue file is detected as corrupt', async (t) => {
  const { spool, remove } = tempSpool();
  t.after(remove);
  const w = await writeSample(spool, { late: [{ address: 'late@example.net' }] });
  const bytes = fs.readFileSync(w.path);
  const incoming = spool.queuePath('incoming');
  const probe = `${incoming}/probe`;
  for (let len = 0; len < bytes.length; len++) {
    plant(incoming, 'probe', bytes.subarray(0, len));
    assert.throws(() => readQueueFileSync(probe), (e: unknown) => isQueueFileError(e, 'corrupt'), `length ${len}`);
  }
  // And appended junk after the end record.
  plant(incoming, 'probe', Buffer.concat([bytes, Buffer.from('E\0')]));
  assert.throws(() => readQueueFileSync(probe), (e: unknown) => isQueueFileError(e, 'corrupt'));
});

test('random damage never throws anything but QueueFileError (seeded fuzz)', async (t) => {
  const { spool, remove } = tempSpool();
  t.after(remove);
  const w = await writeSample(spool, {
    recipients: [{ address: 'a@example.net', orcpt: 'rfc822;a@example.net', notify: 6 }, { address: 'b@example.net' }],
    envelope: { attributes: { client_name: 'x' }, warnTime: 5 },
  });
  const bytes = fs.readFileSync(w.path);
  const rnd = seededRandom(20240601);
  const incoming = spool.queuePath('incoming');
  let rejected = 0;
  for (let i = 0; i < 2000; i++) {
    const copy = Buffer.from(bytes);
    const flips = 1 + Math.floor(rnd() * 4);
    for (let f = 0; f < flips; f++) copy[Math.floor(rnd() * copy.length)] = Math.floor(rnd() * 256);
    try {
      readQueueFileSync(`${incoming}/${plant(incoming, 'probe', copy)}`);
    } catch (err) {
      assert.ok(isQueueFileError(err, 'corrupt'), `iteration ${i}: ${String(err)}`);
      rejected++;
    }
  }
  assert.ok(rejected > 500, `only ${rejected} damaged files were rejected`);
});

test('truncated and garbage files go to corrupt/ with a log line, no exception', async (t) => {
  const { spool, remove } = tempSpool();
  t.after(remove);
  const good = await writeSample(spool);
  const incoming = spool.queuePath('incoming');
  const bytes = fs.readFileSync(good.path);
  const rnd = seededRandom(7);
  const cases: Array<[string, Buffer]> = [
    ['TRUNCATED1', bytes.subarray(0, bytes.length - 3)],
    ['GARBAGE1', Buffer.from(Array.from({ length: 300 }, () => Math.floor(rnd() * 256)))],
    ['EMPTY1', Buffer.alloc(0)],
    ['TEXT1', Buffer.from('From: someone\n\nnot a queue file\n')],
  ];
  const { log, lines } = captureLog();
  for (const [id, data] of cases) {
    plant(incoming, id, data);
    assert.equal(await loadQueueFile(spool, 'incoming', id, log), null, id);
    assert.ok(!fs.existsSync(`${incoming}/${id}`), `${id} left incoming`);
    assert.ok(fs.existsSync(spool.path('corrupt', id)), `${id} is in corrupt/`);
    const mine = lines.filter((l) => l.queue_id === id).map((l) => l.msg);
    assert.ok(mine.includes(`saving corrupt file "${id}" from queue "incoming" to queue "corrupt"`), mine.join('; '));
    assert.ok(mine.some((m) => m.startsWith(`incoming/${id}: `)), mine.join('; '));
  }
  assert.ok(lines.every((l) => l.level === 40), 'warnings');
  assert.ok(await loadQueueFile(spool, 'incoming', good.id, log), 'the good file still loads');
  assert.equal(await loadQueueFile(spool, 'incoming', 'NOSUCHFILE', log), null, 'a vanished file is skipped quietly');
});
