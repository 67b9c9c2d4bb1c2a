/*
 * End-to-end: the README's quick tour on a copy of the embedded default instance (etc/,
 * copied to a temporary directory so that the repository's spool/ and mail/ stay
 * untouched, with its SMTP port moved to one chosen at run time and mail_owner = nobody
 * so that no account has to be created). Started with `bin/postfix start` as a user
 * would, then: swaks and bin/sendmail each put a message in a demo user's Maildir, an
 * alias reaches a demo user, an unknown demo user is refused at RCPT, and `bin/mailq`
 * shows an empty queue once everything is delivered.
 */
import { execFile, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BIN, isRoot, ROOT, waitFor } from '../lib/common.js';
import { freePort } from '../master/instance.js';

function bin(cmd: string, args: string[], input?: string): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(path.join(BIN, cmd), args, { input, encoding: 'utf8', timeout: 30_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

function swaks(port: number, args: string[]): Promise<string> {
  return new Promise((resolve) => {
    execFile('swaks', ['--server', `127.0.0.1:${port}`, '--timeout', '20', ...args], { timeout: 30_000 }, (_err, stdout, stderr) =>
      resolve(stdout + stderr));
  });
}

function maildirFiles(dir: string): string[] {
  try {
    return fs.readdirSync(path.join(dir, 'new')).map((f) => fs.readFileSync(path.join(dir, 'new', f), 'utf8'));
  } catch {
    return [];
  }
}

test('quick tour: swaks and bin/sendmail deliver to the demo Maildirs, mailq is empty', { timeout: 90_000 }, async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mailroom-tour-'));
  fs.chmodSync(dir, 0o755);
  const etc = path.join(dir, 'etc');
  fs.cpSync(path.join(ROOT, 'etc'), etc, { recursive: true, filter: (src) => !/\.(db|lmdb)$/.test(src) });
  const port = await freePort();
  const masterCf = fs.readFileSync(path.join(etc, 'master.cf'), 'utf8');
  assert.match(masterCf, /^127\.0\.0\.1:2525 /m, 'the embedded master.cf listens on 127.0.0.1:2525');
  fs.writeFileSync(path.join(etc, 'master.cf'), masterCf.replace(/^127\.0\.0\.1:2525 /m, `127.0.0.1:${port} `));
  assert.equal(bin('postconf', ['-c', etc, '-e', 'mail_owner = nobody']).status, 0);
  t.after(() => {
    bin('postfix', ['-c', etc, 'abort']);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  assert.equal(bin('newaliases', ['-C', etc]).status, 0, 'newaliases builds etc/aliases.db');
  const start = bin('postfix', ['-c', etc, 'start']);
  assert.equal(start.status, 0, start.stderr);
  const mail = path.join(dir, 'mail', 'example.com');

  const out = await swaks(port, ['--from', 'visitor@localhost', '--to', 'alice@example.com', '--h-Subject', 'tour by swaks']);
  assert.match(out, /250 2\.0\.0 Ok: queued as \w+/, out);
  const sm = bin('sendmail', ['-C', etc, '-f', 'me@localhost', 'bob@example.com'], 'Subject: tour by sendmail\n\nhello bob\n');
  assert.equal(sm.status, 0, sm.stderr);
  // etc/aliases sends root to alice@example.com.
  assert.equal(bin('sendmail', ['-C', etc, 'root'], 'Subject: tour to root\n\nhello root\n').status, 0);

  await waitFor('three messages in the demo Maildirs', () => maildirFiles(path.join(mail, 'alice')).length + maildirFiles(path.join(mail, 'bob')).length >= 3, 45_000);
  const alice = maildirFiles(path.join(mail, 'alice'));
  const bob = maildirFiles(path.join(mail, 'bob'));
  assert.ok(alice.some((m) => m.includes('Subject: tour by swaks') && m.startsWith('Return-Path: <visitor@localhost>')), 'swaks message for alice');
  assert.ok(alice.some((m) => m.includes('Subject: tour to root') && /^X-Original-To: root/m.test(m)), 'root alias reached alice');
  assert.ok(bob.some((m) => m.includes('Subject: tour by sendmail') && /^Delivered-To: bob@example\.com$/m.test(m)), 'sendmail message for bob');
  if (isRoot) assert.equal(fs.statSync(path.join(mail, 'alice', 'new')).uid, 65534, 'demo Maildirs belong to virtual_uid_maps (nobody) when started as root');

  const unknown = await swaks(port, ['--from', 'visitor@localhost', '--to', 'carol@example.com', '--quit-after', 'RCPT']);
  assert.match(unknown, /550 5\.1\.1 <carol@example\.com>: Recipient address rejected/);

  await waitFor('an empty queue', () => bin('mailq', ['-C', etc]).stdout.includes('Mail queue is empty'), 20_000);
  assert.equal(bin('postqueue', ['-c', etc, '-p']).stdout.trim(), 'Mail queue is empty');
});
