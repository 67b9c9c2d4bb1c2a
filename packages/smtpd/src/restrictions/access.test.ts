import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseAccessResult, type AccessAction } from './access.js';
import { isRestrictionName, parseRestrictions } from './list.js';

test('access(5) results', () => {
  const cases: [string, AccessAction][] = [
    ['OK', { kind: 'ok' }],
    ['ok', { kind: 'ok' }],
    ['1700000000', { kind: 'ok' }],
    ['DUNNO', { kind: 'dunno' }],
    ['REJECT', { kind: 'reject', text: '' }],
    ['REJECT go away', { kind: 'reject', text: 'go away' }],
    ['REJECT 5.7.0 go away', { kind: 'reject', dsn: '5.7.0', text: 'go away' }],
    ['DEFER', { kind: 'defer', text: '' }],
    ['DEFER come back later', { kind: 'defer', text: 'come back later' }],
    ['550 no such user', { kind: 'reject', code: 550, text: 'no such user' }],
    ['554 5.7.2 spam', { kind: 'reject', code: 554, dsn: '5.7.2', text: 'spam' }],
    ['451 4.3.0 later', { kind: 'defer', code: 451, dsn: '4.3.0', text: 'later' }],
    ['DEFER_IF_PERMIT not now', { kind: 'defer_if_permit', text: 'not now' }],
    ['DEFER_IF_REJECT', { kind: 'defer_if_reject', text: '' }],
    ['HOLD', { kind: 'hold', text: '' }],
    ['HOLD look at this', { kind: 'hold', text: 'look at this' }],
    ['DISCARD', { kind: 'discard', text: '' }],
    ['WARN odd client', { kind: 'warn', text: 'odd client' }],
    ['INFO fyi', { kind: 'info', text: 'fyi' }],
    ['PREPEND X-Foo: bar', { kind: 'unsupported', action: 'PREPEND' }],
    ['permit_mynetworks, reject', { kind: 'restrictions', value: 'permit_mynetworks, reject' }],
    ['reject_unauth_destination', { kind: 'restrictions', value: 'reject_unauth_destination' }],
  ];
  for (const [value, want] of cases) assert.deepEqual(parseAccessResult(value), want, value);
});

test('restriction lists: names, arguments, old names and mistakes', () => {
  const ok = parseRestrictions('permit_mynetworks, check_client_access inline:{ 1.2.3.4=OK }, reject_rbl_client zen.example=127.0.0.2 reject_invalid_hostname');
  assert.deepEqual(ok.errors, []);
  assert.deepEqual(ok.list, [
    { name: 'permit_mynetworks' },
    { name: 'check_client_access', arg: 'inline:{ 1.2.3.4=OK }' },
    { name: 'reject_rbl_client', arg: 'zen.example=127.0.0.2' },
    { name: 'reject_invalid_helo_hostname' },
  ]);
  const bad = parseRestrictions('permit_frobnicated, check_sender_access, check_helo_access');
  assert.deepEqual(bad.list, []);
  assert.equal(bad.errors.length, 3);
  assert.match(bad.errors[0] ?? '', /unknown smtpd restriction: "permit_frobnicated"/);
  assert.match(bad.errors[1] ?? '', /check_sender_access requires a "type:table" argument/);
  assert.ok(isRestrictionName('reject_unknown_client'));
  assert.ok(!isRestrictionName('reject_everybody'));
});
