/* submit-content, submit-headers, submit-address: what sendmail makes of its input. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseAddressArg, parseAddressList } from './submit-address.js';
import { MessageFilter, type MessageFilterOptions } from './submit-content.js';
import { RecipientHeaderScanner } from './submit-headers.js';

/** run - feed `input` in chunks of `step` bytes; the output and whether a dot ended it. */
function run(input: string, opts: Partial<MessageFilterOptions>, step = input.length || 1): { out: string; ended: boolean; size: number } {
  const f = new MessageFilter({ dotEndsInput: true, fixLineEndings: 'always', ...opts });
  const parts: Buffer[] = [];
  const buf = Buffer.from(input, 'latin1');
  for (let i = 0; i < buf.length && !f.ended; i += step) parts.push(...f.push(buf.subarray(i, i + step)));
  parts.push(...f.end());
  const out = Buffer.concat(parts);
  return { out: out.toString('latin1'), ended: f.ended, size: f.size };
}

test('message input is converted as Postfix sendmail does', () => {
  const cases: [string, Partial<MessageFilterOptions>, string, boolean][] = [
    ['Subject: x\r\n\r\nbody\r\n', {}, 'Subject: x\n\nbody\n', false],
    ['Subject: x\n\nbody', {}, 'Subject: x\n\nbody\n', false],
    ['a\r\r\nb\r\n', {}, 'a\nb\n', false],
    ['a\rb\r\n', {}, 'a\rb\n', false],
    ['a\r\nb\r\n', { fixLineEndings: 'never' }, 'a\r\nb\r\n', false],
    ['a\nb\r\n', { fixLineEndings: 'strict' }, 'a\nb\r\n', false],
    ['a\r\nb\r\n', { fixLineEndings: 'strict' }, 'a\nb\n', false],
    ['From me Mon\n>From x\nSubject: s\n\nFrom here\n', {}, 'Subject: s\n\nFrom here\n', false],
    ['S: s\n\nbody\n.\nafter\n', {}, 'S: s\n\nbody\n', true],
    ['S: s\n\nbody\n.\r\nafter\n', {}, 'S: s\n\nbody\n', true],
    ['S: s\n\nbody\n.\r\nafter\n', { fixLineEndings: 'never' }, 'S: s\n\nbody\n.\r\nafter\n', false],
    ['S: s\n\nbody\n.\nafter\n', { dotEndsInput: false }, 'S: s\n\nbody\n.\nafter\n', false],
    ['S: s\n\n..\n.x\n', {}, 'S: s\n\n..\n.x\n', false],
    ['', {}, '', false],
    ['.\n', {}, '', true],
    ['\xe9t\xe9\r\n', {}, '\xe9t\xe9\n', false],
  ];
  for (const [input, opts, want, ended] of cases) {
    for (const step of [1, 2, 3, 7, 1000]) {
      const r = run(input, opts, step);
      assert.equal(r.out, want, `${JSON.stringify(input)} step ${step}`);
      assert.equal(r.ended, ended, `${JSON.stringify(input)} ended, step ${step}`);
      assert.equal(r.size, Buffer.byteLength(want, 'latin1'));
    }
  }
});

test('unchanged lines are passed through without copying', () => {
  const f = new MessageFilter({ dotEndsInput: true, fixLineEndings: 'always' });
  const chunk = Buffer.from('a: b\nc: d\n\nbody\n');
  const out = f.push(chunk);
  assert.equal(out.length, 1);
  assert.equal(out[0]?.buffer, chunk.buffer);
});

test('header lines reach the observer until the empty line', () => {
  const seen: string[] = [];
  run('From x\nTo: a\n  b\n\nTo: not a header\n', { onHeaderLine: (l) => seen.push(l.toString()) }, 3);
  assert.deepEqual(seen, ['To: a', '  b']);
});

test('-t recipients: To, Cc, Bcc, or only Resent-* when present', () => {
  const scan = (lines: string[]): string[] => {
    const s = new RecipientHeaderScanner();
    for (const l of lines) s.line(Buffer.from(l));
    return s.recipients();
  };
  assert.deepEqual(scan(['To: a@x, "B C" <b@y>', 'Cc: c@z', 'Bcc:', '  d@w', 'From: f@v', 'Subject: to: e@u']), ['a@x', 'b@y', 'c@z', 'd@w']);
  assert.deepEqual(scan(['To: a@x', 'Resent-To: r@x', 'resent-bcc: s@y']), ['r@x', 's@y']);
  assert.deepEqual(scan(['Subject: none']), []);
  assert.deepEqual(scan(['To: undisclosed-recipients:;']), []);
});

test('address lists parse as tok822 does', () => {
  const cases: [string, string[]][] = [
    ['a@b', ['a@b']],
    ['a@b, c@d', ['a@b', 'c@d']],
    ['Joe <joe@x>', ['joe@x']],
    ['"Doe, Joe" <joe@x>, (comment) ann@y (more)', ['joe@x', 'ann@y']],
    ['<@route,@r2:u@x>', ['u@x']],
    ['"john doe"@x', ['john doe@x']],
    ['friends: a@x, b@y;, c@z', ['a@x', 'b@y', 'c@z']],
    ['<>', ['']],
    ['user', ['user']],
    ['u@[127.0.0.1]', ['u@[127.0.0.1]']],
    ['', []],
    ['  ', []],
  ];
  for (const [text, want] of cases) assert.deepEqual(parseAddressList(text), want, text);
  assert.deepEqual(parseAddressArg('a@x, b@y'), { address: 'a@x', count: 2 });
  assert.deepEqual(parseAddressArg(''), { address: '', count: 0 });
});
