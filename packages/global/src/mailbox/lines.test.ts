import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LineConverter, convertWhole } from './lines.js';
import { asctime } from '../dates.js';
import { deliveredToAddresses, envelopeHeaders, mboxFromLine } from './headers.js';

const whole = (text: string, quote: boolean): string => Buffer.concat(convertWhole(Buffer.from(text), quote)).toString();

test('line conversion: CRLF to LF, final newline, From_ quoting', () => {
  const cases: Array<[string, boolean, string]> = [
    ['a\r\nb\r\n', false, 'a\nb\n'],
    ['a\nb', false, 'a\nb\n'],
    ['', false, ''],
    ['From x\nFrom y\n>From z\n', true, '>From x\n>From y\n>From z\n'],
    ['From x\nFrom y\n', false, 'From x\nFrom y\n'],
    ['a\r\nFrom b\r\nFromage\r\n', true, 'a\n>From b\nFromage\n'],
    ['lone\rcr\n', false, 'lone\rcr\n'],
  ];
  for (const [input, quote, want] of cases) assert.equal(whole(input, quote), want, JSON.stringify(input));
});

test('line conversion gives the same result whatever the chunk boundaries', () => {
  const input = 'Subject: x\r\n\r\nFrom the start\r\nline\r\nFrom again\r\n\r\nFrom\r\nend without newline';
  const want = whole(input, true);
  for (let size = 1; size <= 9; size++) {
    const c = new LineConverter(true);
    const out: Buffer[] = [];
    for (let i = 0; i < input.length; i += size) out.push(...c.push(Buffer.from(input.slice(i, i + size))));
    out.push(...c.end());
    assert.equal(Buffer.concat(out).toString(), want, `chunk size ${size}`);
    assert.equal(c.size, Buffer.byteLength(want));
  }
});

test('envelope headers and the From_ line read as Postfix writes them', () => {
  assert.equal(
    envelopeHeaders({ returnPath: 'a b@example.com', originalTo: 'x@example.net', deliveredTo: 'y@example.net' }),
    'Return-Path: <"a b"@example.com>\nX-Original-To: x@example.net\nDelivered-To: y@example.net\n',
  );
  assert.equal(envelopeHeaders({ returnPath: '' }), 'Return-Path: <>\n');
  const d = new Date(2025, 10, 4, 9, 5, 1);
  assert.equal(asctime(d), 'Tue Nov  4 09:05:01 2025');
  assert.equal(mboxFromLine('', d), 'From MAILER-DAEMON  Tue Nov  4 09:05:01 2025\n');
  assert.equal(mboxFromLine('u@example.com', d), 'From u@example.com  Tue Nov  4 09:05:01 2025\n');
});

test('Delivered-To headers are found in the header section only', () => {
  const msg = 'Received: x\r\nDelivered-To: Alice@Example.COM\r\ndelivered-to:\r\n <bob@example.com>\r\nSubject: s\r\n\r\nDelivered-To: carol@example.com\r\n';
  assert.deepEqual([...deliveredToAddresses(Buffer.from(msg))].sort(), ['alice@example.com', 'bob@example.com']);
  assert.equal(deliveredToAddresses(Buffer.from('Subject: none\n\nbody\n')).size, 0);
});
