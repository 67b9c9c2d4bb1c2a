import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createLogger, queueLogger } from './log.js';

test('log lines carry service, pid, queue_id and Postfix severity prefixes', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mailroom-log-'));
  try {
    const file = path.join(dir, 'maillog');
    const log = createLogger({ service: 'smtpd', file });
    log.info('connect from localhost[127.0.0.1]');
    log.warn('hostname nope does not resolve');
    log.warn('warning: already prefixed');
    log.error({ errno: 5 }, 'disk trouble');
    queueLogger(log, 'ABC123').info('client=localhost[127.0.0.1]');
    log.flush();
    const lines = fs.readFileSync(file, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    assert.deepEqual(lines.map((l) => l.msg), [
      'connect from localhost[127.0.0.1]',
      'warning: hostname nope does not resolve',
      'warning: already prefixed',
      'error: disk trouble',
      'client=localhost[127.0.0.1]',
    ]);
    assert.equal(lines[0]?.service, 'smtpd');
    assert.equal(lines[0]?.pid, process.pid);
    assert.equal(lines[4]?.queue_id, 'ABC123');
    assert.equal(lines[3]?.errno, 5);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
