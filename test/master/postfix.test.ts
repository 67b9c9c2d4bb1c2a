/*
 * The `postfix` command against a test instance: start (daemonised, pid file), a second
 * start refused, status with the process table, stop leaving no process behind, check
 * refusing a root mail_owner, flush without a queue manager, and (as root) the whole
 * instance run by an ordinary user.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { alive, cleanup, isRoot, makeInstance, masterPid, MASTER, postfix, ps, talk, waitFor, writeConfig } from './instance.js';

test('postfix start, start again, status, stop', async (t) => {
  const inst = await makeInstance('', (port) => `127.0.0.1:${port} inet n - n - 2 echo`);
  t.after(() => cleanup(inst));
  const start = postfix(inst, 'start');
  assert.equal(start.status, 0, start.stderr);
  assert.match(start.stderr, /^postfix\/postfix-script: starting the Mailroom mail system$/m);
  const pid = masterPid(inst);
  assert.ok(pid && alive(pid), 'master.pid names a live master');
  assert.match(fs.readFileSync(path.join(inst.spool, 'pid', 'master.pid'), 'utf8'), /^ {0,9}\d+\n$/);
  assert.ok((await talk(inst.port, ['up']))[0]?.endsWith(' up'), 'serving as soon as start returns');

  const again = postfix(inst, 'start');
  assert.equal(again.status, 1);
  assert.match(again.stderr, /fatal: the Mailroom mail system is already running/);
  assert.equal(masterPid(inst), pid, 'the lock file still names the first master');

  await waitFor('status table', () => {
    const s = postfix(inst, 'status');
    return s.status === 0 && /^127\.0\.0\.1:\d+\s+inet\s+2\s+\d+\s+idle/m.test(s.stdout);
  });
  const status = postfix(inst, 'status');
  assert.match(status.stderr, new RegExp(`the Mailroom mail system is running: PID: ${pid}`));

  const stop = postfix(inst, 'stop');
  assert.equal(stop.status, 0, stop.stderr);
  assert.match(stop.stderr, /stopping the Mailroom mail system/);
  assert.ok(!alive(pid!), 'master is gone when stop returns');
  assert.deepEqual(ps().filter((r) => r.args.includes(inst.dir)), [], 'no process of the instance is left');
  assert.ok(!fs.existsSync(path.join(inst.spool, 'pid', 'master.pid')));
  const after = postfix(inst, 'status');
  assert.equal(after.status, 1);
  assert.match(after.stderr, /the Mailroom mail system is not running/);
  assert.equal(postfix(inst, 'stop').status, 1);
});

test('postfix flush without a queue manager reports a clear error', async (t) => {
  const inst = await makeInstance('', (port) => `127.0.0.1:${port} inet n - n - 1 echo`);
  t.after(() => cleanup(inst));
  assert.equal(postfix(inst, 'start').status, 0);
  const r = postfix(inst, 'flush');
  assert.equal(r.status, 1);
  assert.match(r.stderr, /Cannot flush mail queue - mail system is down/);
  assert.equal(postfix(inst, 'stop').status, 0);
});

test('postfix check repairs the spool and refuses a root mail_owner', { skip: !isRoot && 'needs root' }, async (t) => {
  const inst = await makeInstance('', () => 'tick unix - - n - 1 tick');
  t.after(() => cleanup(inst));
  fs.rmSync(path.join(inst.spool, 'private'), { recursive: true });
  const ok = postfix(inst, 'check');
  assert.equal(ok.status, 0, ok.stderr);
  const st = fs.statSync(path.join(inst.spool, 'private'));
  assert.equal(st.mode & 0o777, 0o700);
  assert.equal(st.uid, Number(execFileSync('id', ['-u', 'nobody'], { encoding: 'utf8' })));
  writeConfig(inst, 'mail_owner = root', 'tick unix - - n - 1 tick');
  const bad = postfix(inst, 'check');
  assert.equal(bad.status, 1);
  assert.match(bad.stderr, /parameter mail_owner: user root has privileged user ID/);
  const start = postfix(inst, 'start');
  assert.equal(start.status, 1, 'start runs check first');
});

test('started by an ordinary user, master and its children run as that user', { skip: !isRoot && 'needs root to switch users' }, async (t) => {
  const inst = await makeInstance('', (port) => `127.0.0.1:${port} inet n - n - 1 echo`);
  t.after(() => cleanup(inst));
  execFileSync('chown', ['-R', 'nobody', inst.dir]);
  const probe = spawnSync('runuser', ['-u', 'nobody', '--', process.execPath, '-e', '0']);
  if (probe.status !== 0) {
    t.skip('runuser does not work here');
    return;
  }
  const start = spawnSync('runuser', ['-u', 'nobody', '--', process.execPath, MASTER.replace('packages/master/dist/main.js', 'bin/postfix'), '-c', inst.etc, 'start'], { encoding: 'utf8' });
  assert.equal(start.status, 0, start.stderr);
  const pid = masterPid(inst)!;
  const reply = (await talk(inst.port, ['hi']))[0]!;
  const rows = ps();
  assert.equal(rows.find((r) => r.pid === pid)?.user, 'nobody');
  assert.equal(rows.find((r) => r.pid === Number(reply.split(' ')[0]))?.user, 'nobody');
  const stop = spawnSync('runuser', ['-u', 'nobody', '--', process.execPath, MASTER.replace('packages/master/dist/main.js', 'bin/postfix'), '-c', inst.etc, 'stop'], { encoding: 'utf8' });
  assert.equal(stop.status, 0, stop.stderr);
  assert.ok(!alive(pid));
});

test('postfix start fails with master\'s reason when a port is taken', async (t) => {
  const inst = await makeInstance('', (port) => `127.0.0.1:${port} inet n - n - 1 echo`);
  t.after(() => cleanup(inst));
  const other = net.createServer();
  await new Promise<void>((r) => other.listen(inst.port, '127.0.0.1', r));
  t.after(() => other.close());
  const r = postfix(inst, 'start');
  assert.equal(r.status, 1);
  assert.match(r.stderr, /postfix\/postfix-script: fatal: mail system startup failed/);
  assert.match(r.stderr, /^master: fatal: .*service 127\.0\.0\.1:\d+\/inet: bind 127\.0\.0\.1:\d+: EADDRINUSE$/m);
  assert.equal(masterPid(inst), undefined, 'no lock file is left behind');
});
