import { test } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import { QueueFileError } from './errors.js';
import { openContentStream, readQueueFile } from './reader.js';
import { tempSpool, writeSample } from './testing.js';
import { markRecipientDone, updateWarnTime } from './update.js';
import { QueueFileWriter } from './writer.js';

async function readAll(stream: NodeJS.ReadableStream): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const c of stream) parts.push(c as Buffer);
  return Buffer.concat(parts);
}

test('envelope, recipients and content read back as written', async (t) => {
  const { spool, remove } = tempSpool();
  t.after(remove);
  // Attribute names may not contain '=' (the record is name=value).
  assert.throws(() => new QueueFileWriter(spool).setEnvelope({ sender: '', attributes: { 'x=y': 'z' } }), /bad attribute name/);
  assert.throws(() => new QueueFileWriter(spool).addAttribute('', 'z'), /bad attribute name/);

  const ok = await writeSample(spool, {
    envelope: { sender: '', senderFullname: 'Some One', attributes: { client_name: 'mx.example.org', client_address: '192.0.2.1' },
      envid: 'ENV-1', ret: 2, flags: 5, smtputf8: true, warnTime: 1_700_000_300, createTime: 1_700_000_001 },
    recipients: [
      { address: 'a@example.net', original: 'alias@example.net', orcpt: 'rfc822;alias@example.net', notify: 10 },
      { address: 'b@example.net' },
    ],
    late: [{ address: 'c@example.net', notify: 1 }],
    content: 'Subject: x\n\nbody\n',
  });
  assert.equal(fs.statSync(ok.path).mode & 0o777, 0o700);
  const qf = await readQueueFile(ok.path);
  assert.equal(qf.id, ok.id);
  assert.equal(qf.sender, '');
  assert.equal(qf.senderFullname, 'Some One');
  assert.equal(qf.arrivalTime, 1_700_000_000_000);
  assert.equal(qf.createTime, 1_700_000_001);
  assert.deepEqual({ ...qf.attributes }, { client_name: 'mx.example.org', client_address: '192.0.2.1' });
  assert.deepEqual([qf.envid, qf.ret, qf.flags, qf.smtputf8, qf.warnTime], ['ENV-1', 2, 5, true, 1_700_000_300]);
  assert.deepEqual(qf.recipients.map(({ offset: _o, ...r }) => r), [
    { address: 'a@example.net', original: 'alias@example.net', orcpt: 'rfc822;alias@example.net', notify: 10, done: false },
    { address: 'b@example.net', original: 'b@example.net', done: false },
    { address: 'c@example.net', original: 'c@example.net', notify: 1, done: false },
  ]);
  assert.equal((await readAll(openContentStream(qf))).toString(), 'Subject: x\n\nbody\n');
  assert.equal(qf.contentSize, 17);
});

test('marking recipients done survives reopening; bad offsets are refused', async (t) => {
  const { spool, remove } = tempSpool();
  t.after(remove);
  const w = await writeSample(spool, {
    content: 'Received: from R\n\nR\n', // 'R' bytes in the content must never be taken for recipients
    recipients: [{ address: 'a@x.example' }, { address: 'b@x.example' }, { address: 'c@x.example' }],
    late: [{ address: 'd@x.example' }],
  });
  const qf = await readQueueFile(w.path);
  const [a, , c, d] = qf.recipients;
  await markRecipientDone(w.path, [a?.offset as number, d?.offset as number]);
  await markRecipientDone(w.path, c?.offset as number);
  await markRecipientDone(w.path, c?.offset as number); // already done: no change, no error
  const again = await readQueueFile(w.path);
  assert.deepEqual(again.recipients.map((r) => r.done), [true, false, true, true]);
  for (const bad of [0, qf.contentOffset, qf.contentOffset + 2, qf.fileSize + 10]) {
    await assert.rejects(markRecipientDone(w.path, bad), (e: unknown) => e instanceof QueueFileError && e.kind === 'corrupt');
  }
  assert.deepEqual((await readQueueFile(w.path)).recipients.map((r) => r.done), [true, false, true, true]);
  assert.ok(qf.warnOffset === undefined);
});

test('the delay-warning time is updated in place', async (t) => {
  const { spool, remove } = tempSpool();
  t.after(remove);
  const w = await writeSample(spool, { envelope: { warnTime: 100 } });
  const qf = await readQueueFile(w.path);
  await updateWarnTime(w.path, qf.warnOffset as number, 1_800_000_000);
  const again = await readQueueFile(w.path);
  assert.equal(again.warnTime, 1_800_000_000);
  assert.equal(again.fileSize, qf.fileSize);
});

test('a multi-megabyte body streams through bounded memory both ways', { timeout: 60_000 }, async (t) => {
  const { spool, remove } = tempSpool();
  t.after(remove);
  const threshold = 256 * 1024;
  const w = new QueueFileWriter(spool, { flushThreshold: threshold });
  w.setEnvelope({ sender: 's@example.com' }).addRecipient({ address: 'r@example.net' });
  const hash = crypto.createHash('sha256');
  const chunk = 64 * 1024;
  let total = 0;
  for (let i = 0; i < 160; i++) {
    const buf = crypto.randomBytes(chunk); // fresh buffer per chunk, as a socket gives
    hash.update(buf);
    total += buf.length;
    await w.writeContent(buf);
  }
  w.addRecipient({ address: 'late@example.net' });
  await w.commit();
  assert.ok(w.peakBuffered <= threshold + chunk, `peak ${w.peakBuffered}`);
  const qf = await readQueueFile(w.path);
  assert.equal(qf.contentSize, total);
  assert.equal(qf.recipients.length, 2);
  const back = crypto.createHash('sha256');
  let biggest = 0;
  for await (const c of openContentStream(qf, { highWaterMark: 64 * 1024 })) {
    biggest = Math.max(biggest, (c as Buffer).length);
    back.update(c as Buffer);
  }
  assert.ok(biggest <= 64 * 1024);
  assert.equal(back.digest('hex'), hash.digest('hex'));
});

test('an empty message, abort, and misuse', async (t) => {
  const { spool, remove } = tempSpool();
  t.after(remove);
  const empty = new QueueFileWriter(spool);
  empty.setEnvelope({ sender: 's@example.com' });
  await empty.commit();
  const qf = await readQueueFile(empty.path);
  assert.equal(qf.contentSize, 0);
  assert.equal((await readAll(openContentStream(qf))).length, 0);

  const aborted = new QueueFileWriter(spool, { flushThreshold: 1 });
  aborted.setEnvelope({ sender: 's@example.com' });
  await aborted.writeContent(Buffer.from('partial'));
  assert.ok(fs.existsSync(aborted.path));
  await aborted.abort();
  assert.ok(!fs.existsSync(aborted.path));
  await assert.rejects(aborted.commit(), /commit after aborted/);

  // An abort while a flush is still creating the file leaves nothing behind.
  const racing = new QueueFileWriter(spool, { flushThreshold: 1 });
  racing.setEnvelope({ sender: 's@example.com' });
  const inFlight = racing.writeContent(Buffer.from('x'));
  await racing.abort();
  await inFlight;
  assert.ok(!fs.existsSync(racing.path));

  // Writes that are not awaited still land in order; Postfix's single-fsync commit reads back the same.
  const hasty = new QueueFileWriter(spool, { flushThreshold: 3, singleSync: true, syncDirectory: true });
  hasty.setEnvelope({ sender: 's@example.com' });
  const parts = Array.from({ length: 50 }, (_, i) => `${i},`);
  for (const p of parts) void hasty.writeContent(Buffer.from(p));
  await hasty.commit();
  assert.equal((await readAll(openContentStream(await readQueueFile(hasty.path)))).toString(), parts.join(''));

  const early = new QueueFileWriter(spool);
  await assert.rejects(early.writeContent(Buffer.from('x')), /content before envelope/);
});
