/*
 * End-to-end: a spool that cannot take the message. The whole instance runs (master,
 * smtpd, cleanup, qmgr...), and a real SMTP client is told:
 *   - queue_minfree above the free space: MAIL FROM gets 452 4.3.1 Insufficient system storage;
 *   - incoming/ not writable by cleanup (EACCES): 451 4.3.0 Error: queue file write error;
 *   - the spool's file system full (a 1 MB tmpfs, root only): 452 4.3.1 Insufficient
 *     system storage after DATA;
 * and in each case nothing is left in incoming/ (no half-written file qmgr could take),
 * while the next message, once there is room again, is accepted and delivered.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { checkInstance, makeInstance, Session, startInstance, stop, type Instance } from './engine.js';

const isRoot = process.getuid?.() === 0;

/** send - one message over a fresh session; the replies to MAIL and to the end of DATA. */
async function send(inst: Instance, subject: string, size = 100): Promise<{ mail: string; data: string }> {
  const s = new Session(inst.smtpPort);
  try {
    assert.equal(await s.reply(), 220);
    assert.equal(await s.command('EHLO client.test'), 250);
    if ((await s.command('MAIL FROM:<chaos@v.test>')) !== 250) return { mail: s.last, data: '' };
    const mail = s.last;
    assert.equal(await s.command('RCPT TO:<user@v.test>'), 250, s.last);
    assert.equal(await s.command('DATA'), 354);
    s.send(`Subject: ${subject}\r\n\r\n${`${'y'.repeat(998)}\r\n`.repeat(Math.ceil(size / 1000))}.\r\n`);
    await s.reply();
    const data = s.last;
    await s.command('QUIT');
    return { mail, data };
  } finally {
    s.close();
  }
}

/** incomingNames - every name in incoming/ (files, complete or not). */
function incomingNames(inst: Instance): string[] {
  return fs.readdirSync(path.join(inst.spool, 'incoming'), { recursive: true }).map(String).filter((n) => !fs.statSync(path.join(inst.spool, 'incoming', n)).isDirectory());
}

function maildirCount(inst: Instance): number {
  try {
    return fs.readdirSync(path.join(inst.vmail, 'v.test', 'all', 'new')).length;
  } catch {
    return 0;
  }
}

async function waitFor(what: string, pred: () => boolean, ms = 20_000): Promise<void> {
  const end = Date.now() + ms;
  while (!pred()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

test('queue_minfree above the free space: MAIL FROM is refused with 452 4.3.1', { timeout: 60_000 }, async (t) => {
  const inst = await makeInstance({ mainCf: ['queue_minfree = 1000000000000000'] });
  t.after(() => stop(inst, false));
  checkInstance(inst);
  await startInstance(inst);
  const r = await send(inst, 'minfree');
  assert.equal(r.mail, '452 4.3.1 Insufficient system storage');
  const reject = /NOQUEUE: reject: MAIL from localhost\[127\.0\.0\.1\]: 452 4\.3\.1 Insufficient system storage/;
  await waitFor('the reject log line', () => reject.test(fs.readFileSync(inst.logFile, 'utf8')), 5000);
  assert.match(fs.readFileSync(inst.logFile, 'utf8'), /warning: not enough free space in mail queue: \d+ bytes < 1\.5\*message size limit/);
});

test('incoming/ not writable: 451 4.3.0 queue file write error, nothing left behind', { timeout: 60_000 }, async (t) => {
  const inst = await makeInstance();
  t.after(() => stop(inst, false));
  checkInstance(inst);
  await startInstance(inst);
  const incoming = path.join(inst.spool, 'incoming');
  // As root the daemons run as mail_owner, whom the mode binds; as a user it binds us.
  fs.chmodSync(incoming, 0o500);
  const r = await send(inst, 'eacces');
  assert.equal(r.data, '451 4.3.0 Error: queue file write error');
  assert.deepEqual(incomingNames(inst), []);
  const eacces = /warning: \w+: write queue file: .*(permission denied|EACCES)/i;
  await waitFor('the write error logged', () => eacces.test(fs.readFileSync(inst.logFile, 'utf8')), 5000);
  fs.chmodSync(incoming, 0o700);
  const ok = await send(inst, 'writable again');
  assert.match(ok.data, /^250 2\.0\.0 Ok: queued as \w+$/);
  await waitFor('the message delivered', () => maildirCount(inst) === 1);
});

test('a full spool file system: 452 4.3.1 after DATA, no half-written file (root: tmpfs)', { timeout: 60_000, skip: isRoot ? false : 'needs root to mount a small tmpfs' }, async (t) => {
  const inst = await makeInstance({ mainCf: ['message_size_limit = 0'] });
  let mounted = false;
  t.after(() => {
    stop(inst, true);
    if (mounted) execFileSync('umount', ['-l', inst.spool]);
    fs.rmSync(inst.dir, { recursive: true, force: true });
  });
  fs.mkdirSync(inst.spool);
  execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m,mode=0755', 'tmpfs', inst.spool]);
  mounted = true;
  checkInstance(inst);
  await startInstance(inst);
  // Leave about 64 KB free: the message below (300 KB) cannot fit.
  const filler = path.join(inst.spool, 'filler');
  const { bavail, bsize } = fs.statfsSync(inst.spool);
  fs.writeFileSync(filler, Buffer.alloc(Math.max(0, bavail * bsize - 64 * 1024)));
  const r = await send(inst, 'too big for the disk', 300_000);
  assert.equal(r.data, '452 4.3.1 Insufficient system storage');
  assert.deepEqual(incomingNames(inst), [], 'the partial queue file was removed');
  const enospc = /warning: \w+: write queue file: .*(no space left on device|ENOSPC)/i;
  await waitFor('the write error logged', () => enospc.test(fs.readFileSync(inst.logFile, 'utf8')), 5000);
  fs.rmSync(filler);
  const ok = await send(inst, 'room again', 300_000);
  assert.match(ok.data, /^250 2\.0\.0 Ok: queued as \w+$/);
  await waitFor('the message delivered', () => maildirCount(inst) === 1);
});
