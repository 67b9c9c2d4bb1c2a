/*
 * End-to-end tests of the lmtp delivery agent (the smtp program run as `lmtp` by master):
 * a real Dovecot LMTP server (../shared/peers/dovecot-lmtp.sh; needs root) over TCP and
 * over its Unix socket, with mail landing in the user's Maildir and a per-recipient
 * 5.1.1 for an unknown user; and Postfix's `smtp-sink -L`.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { freePort, isRoot, waitFor } from '../master/instance.js';
import { agentInstance, listening, smtpSink } from '../smtp/harness.js';

const DOVECOT = '/work/shared/peers/dovecot-lmtp.sh';
/** stopDovecot - kill the Dovecot master and its children (by pid, never by name). */
function stopDovecot(pid: number): void {
  const children = (): number[] => {
    try {
      return execFileSync('pgrep', ['-P', String(pid)], { encoding: 'utf8' }).split('\n').filter(Boolean).map(Number);
    } catch {
      return [];
    }
  };
  const kids = children();
  for (const p of [pid, ...kids]) {
    try {
      process.kill(p, 'SIGKILL');
    } catch {
      // gone
    }
  }
}

const haveDovecot = isRoot && fs.existsSync(DOVECOT) && fs.existsSync('/usr/sbin/dovecot');

test('lmtp: Dovecot over TCP and a Unix socket, per-recipient results', { skip: !haveDovecot && 'needs root and dovecot-lmtpd' }, async (t) => {
  const ai = await agentInstance('myhostname = mail.example.org');
  t.after(() => ai.cleanup());
  const dir = path.join(ai.inst.dir, 'dovecot');
  const port = await freePort();
  execFileSync(DOVECOT, [dir, String(port), 'alice@example.org', 'bob@example.org'], { stdio: 'ignore', timeout: 20_000 });
  // Read the pid now: the instance directory (and the pid file in it) is gone by the time after-hooks run.
  const dovecotPid = Number(fs.readFileSync(path.join(dir, 'run', 'master.pid'), 'utf8').trim());
  t.after(() => stopDovecot(dovecotPid));
  await listening('127.0.0.1', port);
  const maildir = (user: string): string => path.join(dir, 'mail', 'example.org', user, 'new');
  const count = (user: string): number => (fs.existsSync(maildir(user)) ? fs.readdirSync(maildir(user)).length : 0);

  const req = await ai.message({ rcpts: ['alice@example.org', 'nobody@example.org'], nexthop: `inet:[127.0.0.1]:${port}`, transport: 'lmtp' });
  const r = await ai.deliver(req);
  assert.equal(r.results[0]?.status, 'sent');
  assert.match(r.results[0]?.reason ?? '', /^250 2\.0\.0 <alice@example\.org> \S+ Saved$/);
  assert.equal(r.results[0]?.relay, `127.0.0.1[127.0.0.1]:${port}`);
  assert.equal(r.results[1]?.status, 'bounced');
  assert.equal(r.results[1]?.dsn, '5.1.1');
  assert.match(r.results[1]?.reason ?? '', /^host 127\.0\.0\.1\[127\.0\.0\.1\] said: 550 5\.1\.1 <nobody@example\.org> User doesn't exist: nobody@example\.org \(in reply to RCPT TO command\)$/);
  assert.equal(await ai.doneCount(req.path), 1);
  await waitFor('the message in alice\'s Maildir', () => count('alice') === 1);
  const file = fs.readdirSync(maildir('alice'))[0]!;
  const text = fs.readFileSync(path.join(maildir('alice'), file), 'utf8');
  assert.match(text, new RegExp(`hello from ${req.queueId}\\r?\\n\\.leading dot`));

  const sock = path.join(dir, 'run', 'lmtp');
  const req2 = await ai.message({ rcpts: ['bob@example.org', 'alice@example.org'], nexthop: `unix:${sock}`, transport: 'lmtp' });
  const r2 = await ai.deliver(req2);
  assert.deepEqual(r2.results.map((x) => x.status), ['sent', 'sent']);
  assert.equal(r2.results[0]?.relay, `mail.example.org[${sock}]`);
  await waitFor('both Maildirs', () => count('bob') === 1 && count('alice') === 2);
});

test('lmtp: smtp-sink -L accepts, one reply per recipient', async (t) => {
  const ai = await agentInstance('');
  t.after(() => ai.cleanup());
  const port = await freePort();
  smtpSink(ai, `127.0.0.1:${port}`, ['-L']);
  await listening('127.0.0.1', port);
  const req = await ai.message({ rcpts: ['a@example.org', 'b@example.org'], nexthop: `127.0.0.1:${port}`, transport: 'lmtp' });
  const r = await ai.deliver(req);
  assert.deepEqual(r.results.map((x) => x.status), ['sent', 'sent']);
  for (const x of r.results) assert.match(x.reason, /^250 2\.\d\.\d /, 'one final reply per recipient');
  assert.equal(await ai.doneCount(req.path), 2);
});
