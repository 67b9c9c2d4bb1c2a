/* End-to-end tests of bin/postmap: build, -q (hit, miss, -), -s, -d, -i, -h, pattern tables, errors and exit codes. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { installDir } from '@mailroom/global';

interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** runBin - run bin/<prog> with arguments and standard input. */
function runBin(prog: string, args: string[], input = ''): Run {
  const r = spawnSync(path.join(installDir(), 'bin', prog), args, { encoding: 'utf8', input, timeout: 30_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** tempInstance - a temporary directory with a main.cf; removed after the test. */
function tempInstance(t: { after: (fn: () => void) => void }, mainCf = ''): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mailroom-tables-'));
  fs.writeFileSync(path.join(dir, 'main.cf'), mainCf);
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

test('postmap builds hash:, then -q finds (exit 0) and misses (exit 1)', (t) => {
  const dir = tempInstance(t);
  const src = path.join(dir, 'virtual');
  fs.writeFileSync(src, 'Info@Example.com  joe\n@example.com      catchall\ndup@example.com   first\ndup@example.com   second\n');
  const pm = (...args: string[]): Run => runBin('postmap', ['-c', dir, ...args]);
  const build = pm(src);
  assert.equal(build.status, 0, build.stderr);
  assert.equal(build.stderr, `postmap: warning: ${src}.db: duplicate entry: "dup@example.com"\n`);
  assert.ok(fs.existsSync(`${src}.db`));
  const cases: [string[], number, string][] = [
    [['-q', 'INFO@example.com', src], 0, 'joe\n'],
    [['-q', 'dup@example.com', `hash:${src}`], 0, 'first\n'],
    [['-q', 'nobody@example.com', src], 1, ''],
    [['-q', 'x', `inline:{x=from-inline}`, src], 0, 'from-inline\n'],
    [['-q', 'info@example.com', 'inline:{a=b}', src], 0, 'joe\n'],
    [['-fq', 'Info@Example.com', `texthash:${src}`], 0, 'joe\n'],
    [['-q', 'info@example.com', `texthash:${src}`], 0, 'joe\n'],
  ];
  for (const [args, status, stdout] of cases) {
    const r = pm(...args);
    assert.equal(r.status, status, `${args.join(' ')}: ${r.stderr}`);
    assert.equal(r.stdout, stdout, args.join(' '));
  }
});

test('postmap -q -, -s and -d', (t) => {
  const dir = tempInstance(t);
  const src = path.join(dir, 'access');
  fs.writeFileSync(src, 'spam.example REJECT\n1.2.3 OK\nfriend@example.com OK\n');
  const pm = (args: string[], input = ''): Run => runBin('postmap', ['-c', dir, ...args], input);
  assert.equal(pm([src]).status, 0);
  const q = pm(['-q', '-', src], 'spam.example\nnothing\n1.2.3\n');
  assert.deepEqual([q.status, q.stdout], [0, 'spam.example\tREJECT\n1.2.3\tOK\n']);
  assert.equal(pm(['-q', '-', src], 'nothing\n').status, 1);
  const s = pm(['-s', src]);
  assert.equal(s.status, 0);
  assert.deepEqual(s.stdout.split('\n').filter(Boolean).sort(), ['1.2.3\tOK', 'friend@example.com\tOK', 'spam.example\tREJECT']);
  assert.equal(pm(['-d', 'SPAM.example', src]).status, 0);
  assert.equal(pm(['-d', 'spam.example', src]).status, 1);
  assert.equal(pm(['-q', 'spam.example', src]).status, 1);
  assert.equal(pm(['-d', '-', src], 'absent\n1.2.3\n').status, 0);
  assert.equal(pm(['-s', src]).stdout, 'friend@example.com\tOK\n');
  assert.equal(fs.readFileSync(src, 'utf8').includes('spam.example'), true, 'the source file is not changed by -d');
  const inc = pm(['-i', src], 'new.example DISCARD\nfriend@example.com REJECT\n');
  assert.equal(inc.status, 0);
  assert.equal(inc.stderr, `postmap: warning: ${src}.db: duplicate entry: "friend@example.com"\n`);
  assert.equal(pm(['-q', 'new.example', src]).stdout, 'DISCARD\n');
  assert.equal(pm(['-q', 'friend@example.com', src]).stdout, 'OK\n');
  assert.equal(pm(['-ri', src], 'friend@example.com REJECT\n').status, 0);
  assert.equal(pm(['-q', 'friend@example.com', src]).stdout, 'REJECT\n');
});

test('postmap queries pattern tables without building; -h makes header lines keys', (t) => {
  const dir = tempInstance(t);
  const checks = path.join(dir, 'header_checks');
  fs.writeFileSync(checks, '/^Subject: .*viagra/ REJECT spam\n/^X-Long: a\\s+b/ WARN folded\n');
  const cidr = path.join(dir, 'clients.cidr');
  fs.writeFileSync(cidr, '192.168.0.0/16 REJECT\n');
  const pm = (args: string[], input = ''): Run => runBin('postmap', ['-c', dir, ...args], input);
  assert.deepEqual([pm(['-q', 'Subject: buy VIAGRA now', `regexp:${checks}`]).stdout], ['REJECT spam\n']);
  assert.equal(pm(['-q', 'Subject: hello', `pcre:${checks}`]).status, 1);
  assert.equal(pm(['-q', '192.168.4.4', `cidr:${cidr}`]).stdout, 'REJECT\n');
  const msg = 'From: a@example.com\nSubject: cheap viagra\nX-Long: a\n\tb\n\nSubject: viagra in the body\n';
  const h = pm(['-hq', '-', `regexp:${checks}`], msg);
  assert.equal(h.stdout, 'Subject: cheap viagra\tREJECT spam\nX-Long: a\n\tb\tWARN folded\n');
  const b = pm(['-bq', '-', `regexp:${checks}`], msg);
  assert.equal(b.stdout, 'Subject: viagra in the body\tREJECT spam\n', b.stderr);
});

test('postmap with default_database_type = lmdb, and lmdb: explicitly', (t) => {
  const dir = tempInstance(t, 'default_database_type = lmdb\n');
  const src = path.join(dir, 'transport');
  fs.writeFileSync(src, 'example.com smtp:[relay.example.com]\n');
  assert.equal(runBin('postmap', ['-c', dir, src]).status, 0);
  assert.ok(fs.existsSync(`${src}.lmdb`));
  assert.equal(runBin('postmap', ['-c', dir, '-q', 'EXAMPLE.COM', src]).stdout, 'smtp:[relay.example.com]\n');
  assert.equal(runBin('postmap', ['-c', dir, '-q', 'example.com', `lmdb:${src}`]).stdout, 'smtp:[relay.example.com]\n');
  assert.equal(runBin('postmap', ['-c', dir, '-s', `lmdb:${src}`]).stdout, 'example.com\tsmtp:[relay.example.com]\n');
});

test('postmap errors are fatal with Postfix texts and exit status 1', (t) => {
  const dir = tempInstance(t);
  fs.writeFileSync(path.join(dir, 're'), '/a/ b\n');
  const cases: [string[], string][] = [
    [[path.join(dir, 'missing')], `postmap: fatal: open ${path.join(dir, 'missing')}: No such file or directory\n`],
    [['-q', 'x', path.join(dir, 'missing')], `postmap: fatal: open database ${path.join(dir, 'missing')}.db: No such file or directory\n`],
    [[`regexp:${path.join(dir, 're')}`], 'postmap: fatal: unsupported map type for this operation: regexp\n'],
    [['-s', `regexp:${path.join(dir, 're')}`], `postmap: fatal: table regexp:${path.join(dir, 're')}: sequence operation is not supported\n`],
    [['-q', 'x', 'nosuch:thing'], 'postmap: fatal: unsupported dictionary type: nosuch\n'],
    [['-q', 'x', '-s', 'hash:x'], 'postmap: fatal: specify only one of -s -q or -d\n'],
    [['-Z', 'x'], 'postmap: fatal: usage: postmap [-bfhimnNoprsuUvw] [-c config_dir] [-d key] [-q key] [map_type:]file...\n'],
    [[], 'postmap: fatal: usage: postmap [-bfhimnNoprsuUvw] [-c config_dir] [-d key] [-q key] [map_type:]file...\n'],
  ];
  for (const [args, stderr] of cases) {
    const r = runBin('postmap', ['-c', dir, ...args]);
    assert.deepEqual([r.status, r.stderr], [1, stderr], args.join(' '));
  }
});
