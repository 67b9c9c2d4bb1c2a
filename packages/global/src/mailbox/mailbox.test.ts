import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { bufferContent, readMessageContent, WHOLE_LIMIT } from './content.js';
import { MailboxError } from './errors.js';
import { deliverMaildir } from './maildir.js';
import { deliverMbox } from './mbox.js';
import type { LockSettings } from './lock.js';

const LOCK: LockSettings = { methods: ['fcntl', 'dotlock'], attempts: 3, delayMs: 50, staleMs: 500_000 };
const tmpdir = (): string => fs.mkdtempSync(path.join(os.tmpdir(), 'mailroom-mailbox-'));

test('maildir delivery creates the folders and one file in new/ named time.M..P..Q..host,S=size', async (t) => {
  const dir = tmpdir();
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const md = path.join(dir, 'a', 'Maildir');
  const file = await deliverMaildir({ dir: md, headers: 'Return-Path: <s@x>\n', content: bufferContent(Buffer.from('Subject: t\r\n\r\nbody\r\n')), sizeLimit: 0 });
  const text = fs.readFileSync(file, 'utf8');
  assert.equal(text, 'Return-Path: <s@x>\nSubject: t\n\nbody\n');
  assert.match(path.basename(file), new RegExp(`^\\d+\\.M\\d+P${process.pid}Q\\d+\\.[^/]+,S=${text.length}$`));
  assert.deepEqual(fs.readdirSync(md).sort(), ['cur', 'new', 'tmp']);
  assert.deepEqual(fs.readdirSync(path.join(md, 'tmp')), []);
  assert.equal(fs.statSync(path.join(md, 'new')).mode & 0o777, 0o700);
});

test('maildir delivery refuses a message over the limit with 5.2.2 and leaves nothing', async (t) => {
  const dir = tmpdir();
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  await assert.rejects(
    deliverMaildir({ dir, headers: '', content: bufferContent(Buffer.alloc(100, 'x')), sizeLimit: 50 }),
    (err: MailboxError) => err.dsn === '5.2.2' && /File too large/.test(err.message),
  );
  assert.deepEqual(fs.readdirSync(path.join(dir, 'tmp')), []);
});

test('a large message is streamed from the queue file into the Maildir', async (t) => {
  const dir = tmpdir();
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const body = Buffer.from(`Subject: big\r\n\r\n${'From me\r\n'.repeat(100_000)}`);
  const q = path.join(dir, 'qf');
  fs.writeFileSync(q, Buffer.concat([Buffer.from('HEAD'), body, Buffer.from('TAIL')]));
  const content = readMessageContent({ path: q, contentOffset: 4, contentSize: body.length });
  assert.ok(content.size > WHOLE_LIMIT && content.whole === undefined);
  const file = await deliverMaildir({ dir: path.join(dir, 'md'), headers: '', content, sizeLimit: 0 });
  assert.equal(fs.readFileSync(file, 'utf8'), body.toString().replace(/\r\n/g, '\n'));
});

test('mbox delivery: From_ line, quoting, empty line, and a mailbox mail(1) can read', async (t) => {
  const dir = tmpdir();
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const mbox = path.join(dir, 'user');
  for (const subject of ['one', 'two']) {
    await deliverMbox({
      path: mbox, fromLine: 'From s@example.com  Tue Nov  4 09:05:01 2025\n', headers: 'Return-Path: <s@example.com>\n',
      content: bufferContent(Buffer.from(`Subject: ${subject}\nFrom: s@example.com\n\nFrom here\nbye`)), sizeLimit: 0, lock: LOCK,
    });
  }
  const text = fs.readFileSync(mbox, 'utf8');
  assert.equal(text.split('\n>From here\n').length, 3);
  assert.ok(text.endsWith('bye\n\n'));
  assert.ok(!fs.existsSync(`${mbox}.lock`));
  assert.equal(fs.statSync(mbox).mode & 0o777, 0o600);
  const r = spawnSync('mail', ['-N', '-f', mbox, '-H'], { encoding: 'utf8', env: { ...process.env, MAIL: mbox } });
  if (r.error) t.skip('mail(1) is not installed');
  else assert.match(r.stdout, /one[\s\S]*two/);
});

test('mbox delivery waits for a held dot-lock, then gives up with 4.2.0; over the limit it truncates back', async (t) => {
  const dir = tmpdir();
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const mbox = path.join(dir, 'user');
  fs.writeFileSync(`${mbox}.lock`, '');
  const d = { path: mbox, fromLine: 'From x  Tue Nov  4 09:05:01 2025\n', headers: '', content: bufferContent(Buffer.from('a\n')), sizeLimit: 0, lock: LOCK };
  await assert.rejects(deliverMbox(d), (err: MailboxError) => err.dsn === '4.2.0' && /lock/.test(err.message));
  fs.unlinkSync(`${mbox}.lock`);
  await deliverMbox(d);
  const before = fs.statSync(mbox).size;
  await assert.rejects(deliverMbox({ ...d, content: bufferContent(Buffer.alloc(1000, 'y')), sizeLimit: 500 }), (err: MailboxError) => err.dsn === '5.2.2');
  assert.equal(fs.statSync(mbox).size, before);
  // concurrent deliveries from this process queue behind each other: no interleaving
  await Promise.all(Array.from({ length: 10 }, (_, i) => deliverMbox({ ...d, content: bufferContent(Buffer.from(`m${i}\n`.repeat(1000))) })));
  const text = fs.readFileSync(mbox, 'utf8');
  for (let i = 0; i < 10; i++) assert.ok(text.includes(`m${i}\n`.repeat(1000)));
});

test('mbox delivery refuses a symbolic link and a file owned by someone else', async (t) => {
  const dir = tmpdir();
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  fs.writeFileSync(path.join(dir, 'target'), '');
  fs.symlinkSync(path.join(dir, 'target'), path.join(dir, 'link'));
  const d = { fromLine: 'From x  Tue Nov  4 09:05:01 2025\n', headers: '', content: bufferContent(Buffer.from('a\n')), sizeLimit: 0, lock: LOCK };
  await assert.rejects(deliverMbox({ ...d, path: path.join(dir, 'link') }), (err: MailboxError) => /cannot open file/.test(err.message));
  await assert.rejects(deliverMbox({ ...d, path: path.join(dir, 'target'), requireUid: 12345 }), (err: MailboxError) => err.dsn === '4.2.0' && /not owned by recipient/.test(err.message));
  assert.equal(fs.readFileSync(path.join(dir, 'target'), 'utf8'), '');
});
