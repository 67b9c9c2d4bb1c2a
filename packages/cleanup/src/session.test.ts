/* session: hold and discard requests, disk errors (4.3.0), and the coalesced qmgr wakeup. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { CLEANUP_FLAG } from '@mailroom/global';
import { beginOf, cleanupKit, EXTERNAL, submit } from './testkit.js';
import { writeFailure } from './state.js';
import { QmgrWakeup } from './wakeup.js';

test('HOLD and DISCARD requested by the client', async (t) => {
  const kit = cleanupKit();
  t.after(() => kit.remove());
  const held = await submit(kit, beginOf({ flags: EXTERNAL | CLEANUP_FLAG.HOLD }), 'Subject: h\r\n\r\nbig\r\n'.repeat(1));
  assert.deepEqual([held.done.status, held.done.held, held.queue], ['ok', true, 'hold']);
  // A large held message: the file already exists in incoming/ when HOLD is decided.
  const big = await submit(kit, beginOf({ flags: EXTERNAL | CLEANUP_FLAG.HOLD }), `Subject: h\r\n\r\n${'x'.repeat(600_000)}\r\n`, 65536);
  assert.deepEqual([big.done.status, big.queue], ['ok', 'hold']);
  assert.equal(big.qf?.complete, true);
  assert.equal(kit.wakes, 0, 'held mail does not wake qmgr');
  const gone = await submit(kit, beginOf({ flags: EXTERNAL | CLEANUP_FLAG.DISCARD }), 'Subject: d\r\n\r\nx\r\n');
  assert.deepEqual([gone.done.status, gone.queue], ['discard', undefined]);
  assert.deepEqual(fs.readdirSync(kit.spool.queuePath('incoming')), []);
});

test('a queue file that cannot be written defers the message (4.3.0)', async (t) => {
  const kit = cleanupKit();
  t.after(() => kit.remove());
  const dir = kit.spool.queuePath('incoming');
  fs.rmSync(dir, { recursive: true });
  fs.writeFileSync(dir, 'not a directory');
  const r = await submit(kit, beginOf({ flags: EXTERNAL }), 'Subject: w\r\n\r\nx\r\n');
  assert.deepEqual([r.done.status, r.done.dsn, r.done.reason], ['defer', '4.3.0', 'queue file write error']);
  assert.ok(kit.logs().some((l) => l === `warning: ${r.done.queueId}: write queue file: Not a directory`), kit.logs().join('\n'));
});

test('QmgrWakeup: a burst of commits sends few triggers; a missing qmgr is one warning', async (t) => {
  const kit = cleanupKit();
  t.after(() => kit.remove());
  fs.mkdirSync(path.join(kit.dir, 'public'));
  let triggers = 0;
  let bytes = '';
  const server = net.createServer((s) => {
    triggers++;
    s.setEncoding('utf8');
    s.on('data', (d: string) => (bytes += d));
  });
  await new Promise<void>((r) => server.listen(path.join(kit.dir, 'public', 'qmgr'), r));
  t.after(() => server.close());
  const w = new QmgrWakeup(kit.dir, kit.log);
  for (let i = 0; i < 100; i++) w.wake();
  while (!w.idle) await new Promise((r) => setTimeout(r, 5));
  assert.ok(triggers >= 1 && triggers <= 2, `${triggers} triggers for 100 wakeups`);
  await new Promise((r) => setTimeout(r, 20));
  assert.match(bytes, /^W+$/);

  const lost = new QmgrWakeup(kit.dir, kit.log, 'public/none');
  for (let i = 0; i < 3; i++) {
    lost.wake();
    while (!lost.idle) await new Promise((r) => setTimeout(r, 5));
  }
  assert.equal(kit.logs().filter((l) => l.startsWith('warning: trigger ') && l.includes('public/none')).length, 1);
});

test('CLEANUP_FLAG.BOUNCE: a rejected message goes back to its sender through bounce', async (t) => {
  const kit = cleanupKit('header_checks = regexp:@DIR@/hc\n', { hc: '/^Subject: spam/ REJECT 5.7.1 no spam here\n' });
  t.after(() => kit.remove());
  const flags = EXTERNAL | CLEANUP_FLAG.BOUNCE | CLEANUP_FLAG.LOCAL_SUBMISSION;
  const msg = 'Subject: spam\nFrom: alice\n\nthe whole body\nis returned\n';
  const r = await submit(kit, beginOf({ flags, sender: 'alice', recipients: [{ address: 'bob' }], attributes: { submit_uid: '1000' } }), msg);
  assert.deepEqual([r.done.status, r.done.dsn, r.done.reason, r.queue], ['reject', '5.7.1', 'no spam here', undefined]);
  assert.equal(kit.bounces.length, 1);
  const b = kit.bounces[0] as (typeof kit.bounces)[number];
  assert.equal(b.req.kind, 'failure');
  assert.equal(b.req.sender, 'alice@example.com');
  assert.deepEqual(b.req.recipients.map((x) => [x.address, x.action, x.dsn, x.reason]), [['bob@example.com', 'failed', '5.7.1', 'no spam here']]);
  assert.match(b.content, /\nthe whole body\nis returned\n$/, 'bounce saw the complete message');
  assert.ok(kit.logs().some((l) => new RegExp(`^${r.done.queueId}: to=<bob@example\\.com>, orig_to=<bob>, relay=none, delay=[\\d.]+, dsn=5\\.7\\.1, status=bounced \\(no spam here\\)$`).test(l)));
  assert.deepEqual(fs.readdirSync(kit.spool.queuePath('hold')), [], 'the returned message is not kept');

  kit.bounceStatus = 'defer';
  const again = await submit(kit, beginOf({ flags, sender: 'alice', recipients: [{ address: 'bob' }], attributes: {} }), msg);
  assert.deepEqual([again.done.status, again.done.dsn], ['defer', '4.3.0'], 'no bounce: the client keeps the message');
  assert.deepEqual(fs.readdirSync(kit.spool.queuePath('hold')), []);
  const nullSender = await submit(kit, beginOf({ flags, sender: '', recipients: [{ address: 'bob' }], attributes: {} }), msg);
  assert.equal(nullSender.done.status, 'reject', 'mail from <> is never bounced');
  assert.equal(kit.bounces.length, 2);
});

test('a full disk or quota is 4.3.1, a file too big for the file system 5.3.4, other write errors 4.3.0', () => {
  const errno = (code: string): NodeJS.ErrnoException => Object.assign(new Error(code), { code });
  const table: Array<[string, string, string]> = [
    ['ENOSPC', '4.3.1', 'Insufficient system storage'],
    ['EDQUOT', '4.3.1', 'Insufficient system storage'],
    ['EFBIG', '5.3.4', 'message file too big'],
    ['EACCES', '4.3.0', 'queue file write error'],
    ['EIO', '4.3.0', 'queue file write error'],
  ];
  for (const [code, dsn, reason] of table) {
    const f = writeFailure(errno(code));
    assert.deepEqual([f.dsn, f.reason], [dsn, reason], code);
  }
  assert.equal(writeFailure(new Error('no code')).dsn, '4.3.0');
});
