/* End-to-end tests of bin/postalias and bin/newaliases. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { installDir } from '@mailroom/global';

function runBin(prog: string, args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(path.join(installDir(), 'bin', prog), args, { encoding: 'utf8', timeout: 30_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

function tempInstance(t: { after: (fn: () => void) => void }): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mailroom-aliases-'));
  fs.writeFileSync(path.join(dir, 'main.cf'), '');
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

const ALIASES = `# aliases(5)
Postmaster: root
root: admin,
  "|/usr/bin/logger -t mail", /var/log/root.mbox
"first last": fl@example.com
lists: :include:/etc/mail/lists
bad@example.com: nope
`;

test('postalias builds the alias database; -q, -s, -d', (t) => {
  const dir = tempInstance(t);
  const src = path.join(dir, 'aliases');
  fs.writeFileSync(src, ALIASES);
  const pa = (...args: string[]): ReturnType<typeof runBin> => runBin('postalias', ['-c', dir, ...args]);
  const build = pa(src);
  assert.equal(build.status, 0);
  assert.equal(build.stderr, `postalias: warning: ${src}, line 7: name must be local\n`);
  assert.deepEqual([pa('-q', 'POSTMASTER', src).stdout, pa('-q', 'postmaster', src).status], ['root\n', 0]);
  assert.equal(pa('-q', 'root', src).stdout, 'admin, "|/usr/bin/logger -t mail", /var/log/root.mbox\n');
  assert.equal(pa('-q', 'first last', src).stdout, 'fl@example.com\n');
  assert.equal(pa('-q', 'nobody', src).status, 1);
  assert.equal(pa('-s', src).stdout.split('\n').filter(Boolean).sort().join('\n'),
    ['@\t@', 'first last\tfl@example.com', 'lists\t:include:/etc/mail/lists', 'postmaster\troot',
      'root\tadmin, "|/usr/bin/logger -t mail", /var/log/root.mbox'].join('\n'));
  assert.equal(pa('-d', 'lists', src).status, 0);
  assert.equal(pa('-q', 'lists', src).status, 1);
});

test('newaliases rebuilds every alias_database entry', (t) => {
  const dir = tempInstance(t);
  fs.writeFileSync(path.join(dir, 'main.cf'), `alias_database = hash:${dir}/aliases, lmdb:${dir}/more\n`);
  fs.writeFileSync(path.join(dir, 'aliases'), 'postmaster: root\n');
  fs.writeFileSync(path.join(dir, 'more'), 'abuse: postmaster\n');
  const r = runBin('newaliases', ['-C', dir]);
  assert.deepEqual([r.status, r.stderr], [0, '']);
  assert.equal(runBin('postalias', ['-c', dir, '-q', 'postmaster', `hash:${dir}/aliases`]).stdout, 'root\n');
  assert.equal(runBin('postalias', ['-c', dir, '-q', 'abuse', `lmdb:${dir}/more`]).stdout, 'postmaster\n');
  const other = path.join(dir, 'other');
  fs.writeFileSync(other, 'x: y\n');
  assert.equal(runBin('newaliases', ['-C', dir, `-oA${other}`]).status, 0);
  assert.ok(fs.existsSync(`${other}.db`));
  fs.rmSync(path.join(dir, 'more'));
  const missing = runBin('newaliases', ['-C', dir]);
  assert.deepEqual([missing.status, missing.stderr], [1, `newaliases: fatal: open ${dir}/more: No such file or directory\n`]);
});
