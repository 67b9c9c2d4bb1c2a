import { test } from 'node:test';
import assert from 'node:assert/strict';
import { dsnSplit, nexthopStatus } from './nexthop.js';

test('error, retry and discard take their status from the next-hop text, as Postfix', () => {
  assert.deepEqual(dsnSplit('5.1.1 User unknown', '5.0.0'), ['5.1.1', 'User unknown']);
  assert.deepEqual(dsnSplit('no such user', '5.0.0'), ['5.0.0', 'no such user']);
  assert.deepEqual(dsnSplit('5.7 not a code', '5.0.0'), ['5.0.0', '5.7 not a code']);
  assert.deepEqual(nexthopStatus('error', '5.1.1 User unknown'), { status: 'bounced', dsn: '5.1.1', reason: 'User unknown', warning: undefined });
  assert.deepEqual(nexthopStatus('error', 'Address is undeliverable'), { status: 'bounced', dsn: '5.0.0', reason: 'Address is undeliverable', warning: undefined });
  assert.deepEqual(nexthopStatus('error', '4.1.1 soft'), { status: 'bounced', dsn: '5.0.0', reason: 'soft', warning: 'bounce_append: ignoring dsn code "4.1.1"' });
  assert.deepEqual(nexthopStatus('retry', 'try later'), { status: 'deferred', dsn: '4.0.0', reason: 'try later', warning: undefined });
  assert.deepEqual(nexthopStatus('retry', '4.7.1 slow down'), { status: 'deferred', dsn: '4.7.1', reason: 'slow down', warning: undefined });
  assert.deepEqual(nexthopStatus('discard', 'spam trap'), { status: 'sent', dsn: '2.0.0', reason: 'spam trap', warning: undefined });
  assert.equal(nexthopStatus('discard', '').reason, 'discarded');
});
