import { test } from 'node:test';
import assert from 'node:assert/strict';
import { diagnosticCode } from './report.js';
import { headerSectionEnd, toLf } from './original.js';
import { lineWrap, mailDate, maskText } from './text.js';

test('lineWrap breaks at 79 columns with a 4-blank indent', () => {
  const cases: [string, string[]][] = [
    ['short line', ['short line']],
    ['', ['']],
    [`${'a'.repeat(70)} ${'b'.repeat(8)}`, [`${'a'.repeat(70)} ${'b'.repeat(8)}`]],
    [`${'a'.repeat(70)} ${'b'.repeat(9)}`, ['a'.repeat(70), `    ${'b'.repeat(9)}`]],
    ['x'.repeat(100), ['x'.repeat(100)]],
    [`${'a '.repeat(60)}`.trim(), [`${'a '.repeat(39)}a`, `    ${'a '.repeat(19)}a`]],
  ];
  for (const [input, want] of cases) {
    const got = lineWrap(input);
    assert.deepEqual(got, want, input);
    for (const l of got) if (!/^\S{80,}$/.test(l.trim())) assert.ok(l.length <= 79, l);
  }
});

test('mailDate is RFC 5322 local time with offset', () => {
  const d = mailDate(Date.UTC(2020, 10, 29, 15, 30, 41));
  assert.match(d, /^(Sun|Mon), (29|30) Nov 2020 \d\d:\d\d:41 [+-]\d{4}( \([A-Z]{2,5}\))?$/);
  const off = -new Date(Date.UTC(2020, 10, 29)).getTimezoneOffset();
  if (off === 0) assert.match(d, /^Sun, 29 Nov 2020 15:30:41 \+0000/);
});

test('maskText keeps reasons printable', () => {
  assert.equal(maskText('a\r\nb\tc\x7f', true), 'a??b?c?');
  assert.equal(maskText('caf\u00e9', false), 'caf?');
  assert.equal(maskText('caf\u00e9', true), 'caf\u00e9');
});

test('diagnosticCode takes the server reply out of an smtp reason', () => {
  const cases: [string, string][] = [
    ['host mx[1.2.3.4] said: 550 5.1.1 No such user (in reply to RCPT TO command)', 'smtp; 550 5.1.1 No such user'],
    ['host mx[1.2.3.4] said: 552 Message too big (in reply to end of DATA command)', 'smtp; 552 Message too big'],
    ['host lmtp[private/dovecot] said: 550 5.1.1 <u@x> User doesn\'t exist: u@x (in reply to RCPT TO command)', 'smtp; 550 5.1.1 <u@x> User doesn\'t exist: u@x'],
    ['unknown user: "bob"', 'X-Mailroom; unknown user: "bob"'],
    ['message expired', 'X-Mailroom; message expired'],
  ];
  for (const [reason, want] of cases) assert.equal(diagnosticCode(reason, 'Mailroom'), want);
});

test('headerSectionEnd finds the end of the headers', () => {
  const cases: [string, boolean, number][] = [
    ['A: 1\nB: 2\n\nbody\n', false, 10],
    ['A: 1\n\tcont\nB: 2\n\nbody', false, 16],
    ['A: 1\nnot a header\nB: 2\n', false, 5],
    ['A: 1\nB: 2', false, -1],
    ['A: 1\nB: 2', true, 9],
    ['A: 1\nB: 2\n', true, 10],
    ['\nbody', false, 0],
  ];
  for (const [text, final, want] of cases) assert.equal(headerSectionEnd(text, final), want, JSON.stringify(text));
  assert.equal(toLf(Buffer.from('a\r\nb\rc\r\n')).toString(), 'a\nb\rc\n');
});
