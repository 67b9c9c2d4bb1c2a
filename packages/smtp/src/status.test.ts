import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connectFailed, lost, said, soften, unxtext, xtext } from './status.js';
import { SessionLost } from './session.js';

const ep = { host: 'mx.example.net', addr: '127.0.0.2', port: 25 };

test('result texts read like Postfix smtp(8)', () => {
  assert.deepEqual(said(ep, { code: 550, lines: ['550 5.1.1 <u@x>: Recipient address rejected'] }, 'RCPT TO'), {
    status: 'bounced', dsn: '5.1.1',
    reason: 'host mx.example.net[127.0.0.2] said: 550 5.1.1 <u@x>: Recipient address rejected (in reply to RCPT TO command)',
  });
  assert.deepEqual(said(ep, { code: 250, lines: ['250 2.0.0 Ok: queued as X'] }, 'end of DATA'), { status: 'sent', dsn: '2.0.0', reason: '250 2.0.0 Ok: queued as X' });
  assert.equal(said(ep, { code: 451, lines: ['451 try later'] }, 'MAIL FROM').status, 'deferred');
  assert.deepEqual(connectFailed(ep, 'Connection refused'), { status: 'deferred', dsn: '4.4.1', reason: 'connect to mx.example.net[127.0.0.2]:25: Connection refused' });
  assert.equal(lost(ep, new SessionLost('sending RCPT TO', false, false)).reason, 'lost connection with mx.example.net[127.0.0.2] while sending RCPT TO');
  assert.equal(lost(ep, new SessionLost('receiving the initial server greeting', true, false)).reason,
    'conversation with mx.example.net[127.0.0.2] timed out while receiving the initial server greeting');
  assert.deepEqual(soften({ status: 'bounced', dsn: '5.3.0', reason: 'r' }), { status: 'deferred', dsn: '4.3.0', reason: 'r' });
});

test('xtext encodes and unxtext decodes DSN values', () => {
  assert.equal(xtext('rfc822;a+b=c@x y'), 'rfc822;a+2Bb+3Dc@x+20y');
  assert.equal(unxtext('rfc822;a+2Bb+3Dc@x+20y'), 'rfc822;a+b=c@x y');
  assert.equal(xtext(unxtext(xtext('ü@x'))), xtext('ü@x'));
});
