import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { installDir, paramNames } from '@mailroom/global';

const POSTCONF = path.join(installDir(), 'bin', 'postconf');

function run(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(POSTCONF, args, { encoding: 'utf8', timeout: 20_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

function tempConfig(mainCf: string, masterCf = 'smtp inet n - n - - smtpd\n'): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mailroom-postconf-'));
  fs.writeFileSync(path.join(dir, 'main.cf'), mainCf);
  fs.writeFileSync(path.join(dir, 'master.cf'), masterCf);
  return dir;
}

test('postconf -d lists every registry parameter, sorted', (t) => {
  const dir = tempConfig('');
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const r = run(['-c', dir, '-d']);
  assert.equal(r.status, 0, r.stderr);
  const names = r.stdout.trim().split('\n').map((l) => l.split(' = ')[0]?.replace(/ =$/, ''));
  assert.deepEqual(names, paramNames());
  assert.match(r.stdout, /^myorigin = \$myhostname$/m);
  assert.match(r.stdout, /^recipient_delimiter =$/m);
});

test('postconf -e then -n round-trips without losing comments', (t) => {
  const original = '# Site settings\nmyorigin = example.com\n\n# networks we trust\nmynetworks = 127.0.0.0/8,\n  10.0.0.0/8\n';
  const dir = tempConfig(original);
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  assert.equal(run(['-c', dir, '-e', 'mynetworks=127.0.0.0/8', 'myhostname = mx.example.com']).status, 0);
  const text = fs.readFileSync(path.join(dir, 'main.cf'), 'utf8');
  assert.equal(text, '# Site settings\nmyorigin = example.com\n\n# networks we trust\nmynetworks = 127.0.0.0/8\nmyhostname = mx.example.com\n');
  const n = run(['-c', dir, '-n']);
  assert.equal(n.stdout, 'myhostname = mx.example.com\nmynetworks = 127.0.0.0/8\nmyorigin = example.com\n');
  assert.equal(run(['-c', dir, '-X', 'myorigin']).status, 0);
  assert.equal(run(['-c', dir, '-n']).stdout, 'myhostname = mx.example.com\nmynetworks = 127.0.0.0/8\n');
  assert.ok(fs.readFileSync(path.join(dir, 'main.cf'), 'utf8').startsWith('# Site settings\n'));
});

test('postconf NAME, -h, -x and unknown names', (t) => {
  const dir = tempConfig('myhostname = mx.example.com\nmyorigin = $myhostname\n');
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  assert.equal(run(['-c', dir, 'myorigin']).stdout, 'myorigin = $myhostname\n');
  assert.equal(run(['-c', dir, '-x', 'myorigin']).stdout, 'myorigin = mx.example.com\n');
  assert.equal(run(['-c', dir, '-hx', 'myorigin']).stdout, 'mx.example.com\n');
  const unknown = run(['-c', dir, 'no_such_parameter']);
  assert.equal(unknown.status, 0);
  assert.equal(unknown.stderr, 'postconf: warning: no_such_parameter: unknown parameter\n');
});

test('postconf warns about unused parameters as Postfix does', (t) => {
  const dir = tempConfig('my_typo_parameter = 1\nmyorigin = $my_own_thing\nmy_own_thing = x\n');
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const r = run(['-c', dir, '-n']);
  assert.equal(r.stderr, `postconf: warning: ${dir}/main.cf: unused parameter: my_typo_parameter=1\n`);
  assert.match(r.stdout, /^my_typo_parameter = 1$/m, 'unknown parameters are kept and shown');
});

test('broken main.cf and master.cf lines give file:line: reason', (t) => {
  const dir = tempConfig('myorigin = x\nthis line is broken\n', 'smtp inet n - n - -\n');
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const r = run(['-c', dir, '-n']);
  assert.equal(r.status, 1);
  assert.equal(r.stderr, `postconf: fatal: ${dir}/main.cf:2: missing '=' after parameter name: "this"\n`);
  fs.writeFileSync(path.join(dir, 'main.cf'), '');
  const m = run(['-c', dir, '-M']);
  assert.equal(m.status, 1);
  assert.match(m.stderr, new RegExp(`^postconf: fatal: ${dir}/master.cf:1: bad field count`));
});

test('postconf -M, -Mf, -M service/type, -Me, -MX and -P', (t) => {
  const master = 'smtp      inet  n       -       n       -       -       smtpd\n' +
    'submission inet n - n - - smtpd\n  -o syslog_name=postfix/submission\n  -o { smtpd_tls_security_level = encrypt }\n' +
    'pickup    unix  n       -       n       60      1       pickup\n';
  const dir = tempConfig('', master);
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  assert.equal(run(['-c', dir, '-M', 'pickup/unix']).stdout, 'pickup     unix  n       -       n       60      1       pickup\n');
  assert.equal(run(['-c', dir, '-M', 'submission']).stdout,
    'submission inet  n       -       n       -       -       smtpd -o syslog_name=postfix/submission -o smtpd_tls_security_level=encrypt\n');
  assert.equal(run(['-c', dir, '-Mf', 'submission/inet']).stdout,
    'submission inet  n       -       n       -       -       smtpd\n    -o syslog_name=postfix/submission\n    -o smtpd_tls_security_level=encrypt\n');
  assert.equal(run(['-c', dir, '-P']).stdout,
    'submission/inet/syslog_name = postfix/submission\nsubmission/inet/smtpd_tls_security_level = encrypt\n');
  assert.equal(run(['-c', dir, '-Me', 'pickup/unix=pickup unix n - n 30 1 pickup']).status, 0);
  assert.match(run(['-c', dir, '-M', 'pickup']).stdout, /n       30      1       pickup/);
  assert.equal(run(['-c', dir, '-MX', 'submission/inet']).status, 0);
  assert.equal(run(['-c', dir, '-M']).stdout.split('\n').filter(Boolean).length, 2);
  assert.equal(run(['-c', dir, '-Me', 'pickup/unix=smtp unix - - n - - smtp']).status, 1, 'entry must match its name');
});

test('postconf -m lists the supported table types', () => {
  const r = run(['-m']);
  assert.equal(r.status, 0);
  for (const t of ['cidr', 'hash', 'inline', 'lmdb', 'pcre', 'pipemap', 'regexp', 'static', 'texthash', 'unionmap']) {
    assert.match(r.stdout, new RegExp(`^${t}$`, 'm'));
  }
});
