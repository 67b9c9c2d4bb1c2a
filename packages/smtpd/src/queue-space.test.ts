import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { createLogger } from '@mailroom/global';
import { cleanupReply } from './message.js';
import { queueSpaceReply } from './queue-space.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'smtpd-space-'));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));
const log = createLogger({ service: 'smtpd', file: path.join(tmp, 'log'), sync: true });

test('queue space: refused below queue_minfree or 1.5 times message_size_limit, else accepted', () => {
  const dir = os.tmpdir();
  assert.equal(queueSpaceReply(dir, 0, 10_240_000, log), undefined);
  const wire = (r: ReturnType<typeof queueSpaceReply>): string => (r ? `${r.code} ${r.dsn} ${r.text}` : 'ok');
  assert.equal(wire(queueSpaceReply(dir, Number.MAX_SAFE_INTEGER, 0, log)), '452 4.3.1 Insufficient system storage');
  assert.equal(wire(queueSpaceReply(dir, 0, Number.MAX_SAFE_INTEGER, log)), '452 4.3.1 Insufficient system storage');
  assert.equal(queueSpaceReply('/no/such/directory', Number.MAX_SAFE_INTEGER, 0, log), undefined, 'a failed look-up refuses nothing');
  assert.match(fs.readFileSync(path.join(tmp, 'log'), 'utf8'), /warning: not enough free space in mail queue: \d+ bytes < 1\.5\*message size limit/);
});

test("cleanup's deferrals: a full spool is 452 4.3.1, a write error Postfix's 451 text", () => {
  const wire = (d: Parameters<typeof cleanupReply>[0]): string => {
    const r = cleanupReply(d);
    return `${r.code} ${r.dsn} ${r.text}`;
  };
  const base = { type: 'done' as const, queueId: 'Q', status: 'defer' as const };
  assert.equal(wire({ ...base, dsn: '4.3.1', reason: 'Insufficient system storage' }), '452 4.3.1 Insufficient system storage');
  assert.equal(wire({ ...base, dsn: '4.3.0', reason: 'queue file write error' }), '451 4.3.0 Error: queue file write error');
  assert.equal(wire(base), '451 4.3.0 Error: queue file write error');
  assert.equal(wire({ ...base, dsn: '4.6.0', reason: 'Alias expansion error' }), '451 4.6.0 Alias expansion error');
});
