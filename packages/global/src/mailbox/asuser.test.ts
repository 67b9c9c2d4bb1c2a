import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { lookupUser } from '../service/privileges.js';
import { deliverAsUser } from './asuser.js';
import { bufferContent } from './content.js';
import { MailboxError } from './errors.js';
import { deliverMbox } from './mbox.js';
import type { LockSettings } from './lock.js';

const isRoot = process.getuid?.() === 0;
const LOCK: LockSettings = { methods: ['fcntl', 'dotlock'], attempts: 2, delayMs: 100, staleMs: 500_000 };

test('the as-user helper writes Maildir and mbox files with the user\'s rights only', { skip: !isRoot && 'needs root to switch user', timeout: 30_000 }, async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mailroom-asuser-'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  fs.chmodSync(dir, 0o755);
  const open = path.join(dir, 'open');
  fs.mkdirSync(open, { mode: 0o777 });
  fs.chmodSync(open, 0o777);
  const nobody = lookupUser('nobody')!;
  const who = { uid: nobody.uid, gid: nobody.gid };
  const content = bufferContent(Buffer.from('Subject: as user\r\n\r\nFrom me\r\n'));
  const file = await deliverAsUser(who, { kind: 'maildir', dir: path.join(open, 'Maildir/'), headers: 'Return-Path: <a@b>\n', sizeLimit: 0 }, content);
  assert.ok(file);
  assert.equal(fs.statSync(file).uid, nobody.uid);
  assert.equal(fs.readFileSync(file, 'utf8'), 'Return-Path: <a@b>\nSubject: as user\n\nFrom me\n');
  const mbox = path.join(open, 'mbox');
  await deliverAsUser(who, { kind: 'mbox', path: mbox, fromLine: 'From a@b  Tue Nov  4 09:05:01 2025\n', headers: '', sizeLimit: 0, lock: LOCK }, content);
  assert.equal(fs.readFileSync(mbox, 'utf8'), 'From a@b  Tue Nov  4 09:05:01 2025\nSubject: as user\n\n>From me\n\n');
  assert.equal(fs.statSync(mbox).uid, nobody.uid);
  // root's directory: the kernel says no, as it would to the user
  await assert.rejects(
    deliverAsUser(who, { kind: 'mbox', path: path.join(dir, 'denied'), fromLine: 'From a@b  x\n', headers: '', sizeLimit: 0, lock: LOCK }, content),
    (err: MailboxError) => err instanceof MailboxError && /Permission denied/.test(err.message),
  );
  assert.ok(!fs.existsSync(path.join(dir, 'denied')));
});

test('mbox delivery waits for an fcntl lock held by another program', { timeout: 30_000 }, async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mailroom-fcntl-'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const mbox = path.join(dir, 'box');
  fs.writeFileSync(mbox, '', { mode: 0o600 });
  const holder = spawn('python3', ['-c', `import fcntl,sys,time\nf=open(${JSON.stringify(mbox)},'a')\nfcntl.lockf(f, fcntl.LOCK_EX)\nprint('locked', flush=True)\ntime.sleep(float(sys.argv[1]))`, '1.5']);
  t.after(() => holder.kill());
  await new Promise<void>((resolve, reject) => {
    holder.on('error', reject);
    holder.stdout.once('data', () => resolve());
  }).catch(() => t.skip('python3 is not available'));
  const d = { path: mbox, fromLine: 'From x  Tue Nov  4 09:05:01 2025\n', headers: '', content: bufferContent(Buffer.from('a\n')), sizeLimit: 0 };
  await assert.rejects(deliverMbox({ ...d, lock: { ...LOCK, methods: ['fcntl'], attempts: 2, delayMs: 100 } }),
    (err: MailboxError) => err.dsn === '4.2.0' && /unable to lock for exclusive access: Resource temporarily unavailable/.test(err.message));
  const t0 = Date.now();
  await deliverMbox({ ...d, lock: { ...LOCK, methods: ['fcntl'], attempts: 30, delayMs: 100 } });
  assert.ok(Date.now() - t0 > 300, 'it waited for the other program');
  assert.equal(fs.readFileSync(mbox, 'utf8'), 'From x  Tue Nov  4 09:05:01 2025\na\n\n');
});
