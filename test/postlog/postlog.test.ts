/*
 * postlog end to end: text from the arguments or standard input lines goes to
 * maillog_file through the suite's logger, with the tag as service and Postfix's
 * severity prefixes; bad priorities fail as Postfix's postlog does.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { cleanup, logMessages, makeSpool, run } from '../postsuper/harness.js';

interface Line {
  level: string;
  service: string;
  pid: number;
  msg: string;
}

test('postlog writes through the logger to maillog_file', () => {
  const inst = makeSpool();
  try {
    let r = run(inst, 'postlog', ['-t', 'backup', '-p', 'warn', 'disk', 'almost', 'full']);
    assert.equal(r.status, 0, r.stderr);
    r = run(inst, 'postlog', ['-i'], 'first line\nsecond line\n');
    assert.equal(r.status, 0, r.stderr);
    r = run(inst, 'postlog', ['-p', 'error', 'it broke']);
    assert.equal(r.status, 0, r.stderr);
    const lines = fs.readFileSync(inst.logFile, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as Line);
    assert.deepEqual(lines.map((l) => [l.level, l.service, l.msg]), [
      ['warn', 'backup', 'warning: disk almost full'],
      ['info', 'postlog', 'first line'],
      ['info', 'postlog', 'second line'],
      ['error', 'postlog', 'error: it broke'],
    ]);
    assert.ok(lines.every((l) => Number.isInteger(l.pid)));
    r = run(inst, 'postlog', ['-p', 'loud', 'x']);
    assert.equal(r.status, 1);
    assert.equal(r.stderr, 'postlog: fatal: unknown priority value: loud\n');
    r = run(inst, 'postlog', ['-p', 'fatal', 'giving up']);
    assert.equal(r.status, 1, 'fatal exits with status 1');
    assert.equal(logMessages(inst).at(-1), 'fatal: giving up');
  } finally {
    cleanup(inst);
  }
});

test('postlog without maillog_file writes to standard error', () => {
  const inst = makeSpool();
  try {
    const main = `${inst.etc}/main.cf`;
    fs.writeFileSync(main, fs.readFileSync(main, 'utf8').replace(/^maillog_file = .*$/m, ''));
    const r = run(inst, 'postlog', ['-t', 'cron', 'hello']);
    assert.equal(r.stderr, 'cron: hello\n');
  } finally {
    cleanup(inst);
  }
});
