/*
 * postqueue-format: the -p and -j listings against real Postfix 3.7 output. The
 * fixtures (test/postqueue/fixtures, see its README) hold what Postfix's postqueue -j
 * and -p printed for the same queue; feeding the -j objects to our formatters must give
 * Postfix's -p text in both column layouts, and Postfix's -j lines back.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ShowqMessage } from '@mailroom/global';
import { asctime, jsonLine, jsonQuote, MailqFormatter } from './postqueue-format.js';

const FIXTURES = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../test/postqueue/fixtures');
const fixture = (name: string): string => fs.readFileSync(path.join(FIXTURES, name), 'utf8');

function postfixMessages(): ShowqMessage[] {
  return fixture('postfix.jsonl').split('\n').filter(Boolean).map((l) => ({ t: 'message', ...(JSON.parse(l) as Omit<ShowqMessage, 't'>) }));
}

function withTz<T>(tz: string, fn: () => T): T {
  const saved = process.env.TZ;
  process.env.TZ = tz;
  try {
    return fn();
  } finally {
    if (saved === undefined) delete process.env.TZ;
    else process.env.TZ = saved;
  }
}

function listing(messages: readonly ShowqMessage[], long?: boolean): string {
  const f = new MailqFormatter(long);
  return messages.map((m) => f.message(m)).join('') + f.summary();
}

test('-p matches Postfix, short-ID layout (enable_long_queue_ids = no)', () => {
  withTz('UTC', () => assert.equal(listing(postfixMessages()), fixture('postfix-short.txt')));
});

test('-p matches Postfix, long-ID layout (enable_long_queue_ids = yes)', () => {
  withTz('UTC', () => assert.equal(listing(postfixMessages(), true), fixture('postfix-long.txt')));
});

test('-p picks the long layout for long queue IDs; an empty queue says so', () => {
  const m: ShowqMessage = {
    t: 'message', queue_name: 'deferred', queue_id: '4dVb7m3Xk9z1Bq', arrival_time: 1_700_000_000, message_size: 2048,
    forced_expire: false, sender: 'a@example.org', recipients: [{ address: 'b@example.net' }],
  };
  const text = withTz('UTC', () => listing([m]));
  assert.equal(text, [
    '----Queue ID----- --Size-- ---Arrival Time---- --Sender/Recipient------',
    '4dVb7m3Xk9z1Bq        2048 Tue Nov 14 22:13:20 a@example.org',
    `${' '.repeat(47)}b@example.net`,
    '',
    '-- 2 Kbytes in 1 Request.',
    '',
  ].join('\n'));
  assert.equal(listing([]), 'Mail queue is empty\n');
});

test('-p: reason lines only when the reason changes; "reason unavailable" after one', () => {
  const m: ShowqMessage = {
    t: 'message', queue_name: 'hold', queue_id: 'ABC123', arrival_time: 0, message_size: 10, forced_expire: true, sender: 's@x',
    recipients: [{ address: 'a@x', delay_reason: 'r1' }, { address: 'b@x', delay_reason: 'r1' }, { address: 'c@x' }, { address: 'd@x', delay_reason: 'x'.repeat(90) }],
  };
  const lines = withTz('UTC', () => listing([m])).split('\n');
  assert.equal(lines[1], 'ABC123!#         10 Thu Jan  1 00:00:00  s@x');
  assert.deepEqual(lines.slice(2, 9).map((l) => l.trim()), ['(r1)', 'a@x', 'b@x', '(reason unavailable)', 'c@x', `(${'x'.repeat(90)})`, 'd@x']);
  assert.equal(lines[2]?.length, 78);
  assert.equal(lines[7]?.startsWith('('), true, 'a reason longer than the column is not indented');
});

test('-j matches Postfix line for line', () => {
  const want = fixture('postfix.jsonl');
  assert.equal(postfixMessages().map(jsonLine).join(''), want);
});

test('-j quoting: short escapes, other control characters as \\uXXXX, UTF-8 kept', () => {
  assert.equal(jsonQuote('a"b\\c\n\t\x01\x7fé'), 'a\\"b\\\\c\\n\\t\\u0001\\u007Fé');
});

test('asctime pads the day with a space, as C does', () => {
  withTz('UTC', () => {
    assert.equal(asctime(1_796_514_031), 'Sat Dec  5 23:40:31 2026');
    assert.equal(asctime(1_700_000_000), 'Tue Nov 14 22:13:20 2023');
  });
});
