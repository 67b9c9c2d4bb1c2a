/* statuslog: defer/bounce/trace logs round-trip, survive torn writes, keep one line per value. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import {
  appendStatus, formatStatusRecords, hasStatusLog, latestByRecipient, parseStatusLog, readStatusLog, removeStatusLog,
  statusLogPath, type StatusRecord,
} from './statuslog.js';
import { newQueueId } from './id.js';
import { tempSpool } from './testing.js';

const rec = (over: Partial<StatusRecord> = {}): StatusRecord => ({
  recipient: 'u@example.net', original: 'alias@example.net', orcpt: 'rfc822;alias@example.net', notify: 8, offset: 120,
  dsn: '4.4.1', action: 'delayed', reason: 'connect to mx.example.net[192.0.2.1]:25: Connection refused', relay: 'none', time: 1_700_000_000_123, ...over,
});

test('records are appended, read back and removed; the defer log is hashed like the queue', async (t) => {
  const { spool, remove } = tempSpool();
  t.after(remove);
  const id = newQueueId();
  assert.deepEqual(readStatusLog(spool, 'defer', id), []);
  assert.equal(hasStatusLog(spool, 'defer', id), false);
  await appendStatus(spool, 'defer', id, [rec()]);
  await appendStatus(spool, 'defer', id, [rec({ recipient: 'v@example.net', original: 'v@example.net', orcpt: undefined, notify: undefined, offset: 200 })], { sync: true });
  assert.equal(statusLogPath(spool, 'defer', id), spool.path('defer', id));
  assert.notEqual(spool.relativeDir('defer', id), 'defer', 'hashed');
  const back = readStatusLog(spool, 'defer', id);
  assert.equal(back.length, 2);
  assert.deepEqual(back[0], rec());
  assert.equal(back[1]?.orcpt, undefined);
  assert.equal(hasStatusLog(spool, 'defer', id), true);
  assert.equal(removeStatusLog(spool, 'defer', id), true);
  assert.equal(removeStatusLog(spool, 'defer', id), false);
  assert.equal(fs.existsSync(statusLogPath(spool, 'defer', id)), false);
});

test('parseStatusLog keeps complete records only', () => {
  const cases: [string, number][] = [
    [formatStatusRecords([rec(), rec()]).toString(), 2],
    [formatStatusRecords([rec()]).toString() + 'recipient=x@y\ndsn=5.0.0\nact', 1],
    [formatStatusRecords([rec()]).toString() + 'recipient=x@y\ndsn=5.0.0\naction=failed\n', 1],
    ['recipient=x@y\ndsn=5.0.0\naction=bogus\n\n', 0],
    ['garbage\n\n\n', 0],
  ];
  for (const [text, n] of cases) assert.equal(parseStatusLog(text).length, n, JSON.stringify(text));
});

test('values stay on one line; the last record of a recipient wins', () => {
  const text = formatStatusRecords([rec({ reason: 'line one\r\nline two\x00' })]).toString();
  assert.equal(parseStatusLog(text)[0]?.reason, 'line one line two ');
  const latest = latestByRecipient([rec({ reason: 'first' }), rec({ offset: 300, reason: 'other' }), rec({ reason: 'second' })]);
  assert.deepEqual(latest.map((r) => r.reason), ['other', 'second']);
});
