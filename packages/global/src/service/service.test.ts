/* service: master's argv round-trips through the skeleton's parser; the pid file lock. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { formatServiceArgs, parseServiceArgs, type ServiceArgs } from './args.js';
import { claimPidFile, readPidFile, removePidFile } from './pidfile.js';
import { childReportCodec } from './proto.js';
import { lookupUser } from './privileges.js';

test('service argv round trip', () => {
  const cases: ServiceArgs[] = [
    { service: 'smtp', type: 'inet', unpriv: true, sockets: 1, verbose: false, overrides: {}, args: [] },
    { service: 'relay', type: 'unix', unpriv: false, sockets: 2, verbose: true, overrides: { a: 'b c', syslog_name: 'postfix/relay' }, args: ['-v', 'flags=R'] },
  ];
  for (const c of cases) assert.deepEqual(parseServiceArgs(formatServiceArgs(c)), { ...c, verbose: c.verbose || c.args.includes('-v'), args: c.args.filter((a) => a !== '-v') });
  assert.deepEqual(formatServiceArgs(cases[0]!), ['-n', 'smtp', '-t', 'inet', '-u']);
  assert.throws(() => parseServiceArgs(['-t', 'tcp']), /bad service type/);
  assert.throws(() => parseServiceArgs(['-o', 'novalue']), /-o needs name=value/);
  // getopt: options end at the first other word, so a pipe command's own -v/-o stay its own
  const pipe = parseServiceArgs(['-n', 'dovecot', '-t', 'unix', 'flags=R', 'argv=/bin/x', '-v', '-o', 'x', '-s', '3']);
  assert.deepEqual([pipe.verbose, pipe.sockets, pipe.args], [false, 1, ['flags=R', 'argv=/bin/x', '-v', '-o', 'x', '-s', '3']]);
});

test('child reports are validated', () => {
  assert.deepEqual(childReportCodec.check({ t: 'status', active: 1, served: 2, saturated: true }), { t: 'status', active: 1, served: 2, saturated: true });
  assert.throws(() => childReportCodec.check({ t: 'status', active: 1 }), /served/);
  assert.throws(() => childReportCodec.check({ t: 'hello' }), /master-status\.t/);
});

test('the pid file: claimed once, refused while its master lives, taken over when stale', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mailroom-pid-'));
  const file = path.join(dir, 'master.pid');
  // a stand-in "master" (its command line says so) that holds the file
  const holder = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 30000)', 'master'], { stdio: 'ignore' });
  try {
    assert.deepEqual(claimPidFile(file, holder.pid), { ok: true });
    assert.equal(fs.readFileSync(file, 'utf8'), `${String(holder.pid).padStart(10)}\n`);
    assert.deepEqual(claimPidFile(file, process.pid), { ok: false, pid: holder.pid });
    holder.kill('SIGKILL');
    await new Promise((r) => holder.once('exit', r));
    assert.deepEqual(claimPidFile(file, process.pid), { ok: true }, 'a dead holder is stale');
    assert.equal(readPidFile(file), process.pid);
    removePidFile(file);
    assert.equal(fs.existsSync(file), false);
  } finally {
    holder.kill('SIGKILL');
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('lookupUser reads the passwd database', () => {
  assert.equal(lookupUser('root')?.uid, 0);
  assert.equal(lookupUser('no-such-user-mailroom'), undefined);
});
