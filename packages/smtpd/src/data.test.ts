import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DataScanner, parseBareNewlineMode, type BareNewlineMode } from './data.js';

/** scan - feed `input` in chunks of `size`; content, where the data ended, and what was seen. */
function scan(input: string, mode: BareNewlineMode, size = Infinity): { content: string; rest: string | undefined; bareLf: boolean; bareCr: boolean } {
  const s = new DataScanner(mode);
  const buf = Buffer.from(input, 'latin1');
  let content = '';
  for (let i = 0; i < buf.length; i += Math.min(size, buf.length)) {
    const chunk = buf.subarray(i, i + Math.min(size, buf.length));
    const r = s.feed(chunk);
    content += Buffer.concat(r.out).toString('latin1');
    if (r.end >= 0) {
      const rest = Buffer.concat([chunk.subarray(r.end), buf.subarray(i + chunk.length)]).toString('latin1');
      return { content, rest, bareLf: s.bareLf, bareCr: s.bareCr };
    }
  }
  return { content, rest: undefined, bareLf: s.bareLf, bareCr: s.bareCr };
}

// [name, input, mode, content, rest after the end (undefined: the message goes on), bare LF, bare CR]
const CASES: [string, string, BareNewlineMode, string, string | undefined, boolean, boolean][] = [
  ['plain message', 'a\r\nb\r\n.\r\nQUIT\r\n', 'reject', 'a\r\nb\r\n', 'QUIT\r\n', false, false],
  ['empty message', '.\r\n', 'reject', '', '', false, false],
  ['dot-stuffing removed', '..x\r\n...\r\n.\r\n', 'no', '.x\r\n..\r\n', '', false, false],
  ['blank lines kept', '\r\n\r\nx\r\n.\r\n', 'no', '\r\n\r\nx\r\n', '', false, false],
  // SMTP smuggling (Dec 2023): none of these ends the message.
  ['<LF>.<LF> (normalize)', 'a\n.\nMAIL FROM:<x@y>\r\n.\r\n', 'normalize', 'a\r\n\r\nMAIL FROM:<x@y>\r\n', '', true, false],
  ['<LF>.<LF> (no)', 'a\n.\nMAIL FROM:<x@y>\r\n.\r\n', 'no', 'a\n\nMAIL FROM:<x@y>\r\n', '', true, false],
  ['<CR><LF>.<LF>', 'a\r\n.\nRCPT TO:<x@y>\r\n.\r\n', 'normalize', 'a\r\n\r\nRCPT TO:<x@y>\r\n', '', true, false],
  ['<LF>.<CR><LF>', 'a\n.\r\nDATA\r\n.\r\n', 'normalize', 'a\r\n\r\nDATA\r\n', '', true, false],
  ['<CR>.<CR>', 'a\r.\rQUIT\r\n.\r\n', 'normalize', 'a\r\n.\r\nQUIT\r\n', '', false, true],
  ['<CR>.<CR><LF>', 'a\r.\r\nQUIT\r\n.\r\n', 'normalize', 'a\r\n.\r\nQUIT\r\n', '', false, true],
  ['<CR><LF>.<CR>', 'a\r\n.\rQUIT\r\n.\r\n', 'normalize', 'a\r\n\r\nQUIT\r\n', '', false, true],
  ['<CR>.<CR> kept under no', 'a\r.\rb\r\n.\r\n', 'no', 'a\r.\rb\r\n', '', false, true],
  ['bare CR under reject', 'a\rb\r\n.\r\n', 'reject', 'a\r\nb\r\n', '', false, true],
  ['bare LF under reject', 'a\nb\r\n.\r\n', 'reject', 'a\r\nb\r\n', '', true, false],
  ['a message that never ends', 'a\n.\n', 'no', 'a\n\n', undefined, true, false],
  ['terminator without the final LF', 'a\r\n.\r', 'reject', 'a\r\n', undefined, false, false],
];

test('DATA ends only on CRLF.CRLF; dot-stuffing, bare LF and bare CR per policy', () => {
  for (const [name, input, mode, content, rest, lf, cr] of CASES) {
    for (const size of [Infinity, 1, 2, 3, 5]) {
      const r = scan(input, mode, size);
      assert.equal(r.content, content, `${name} (chunks of ${size}): content`);
      assert.equal(r.rest, rest, `${name} (chunks of ${size}): rest`);
      assert.equal(r.bareLf, lf, `${name}: bare LF`);
      assert.equal(r.bareCr, cr, `${name}: bare CR`);
    }
  }
});

test('a large message passes through in few, large pieces', () => {
  const line = `${'x'.repeat(76)}\r\n`;
  const big = Buffer.from(line.repeat(20000), 'latin1');
  const s = new DataScanner('reject');
  const r = s.feed(big);
  assert.equal(r.end, -1);
  assert.equal(r.out.length, 1, 'one slice of the input, no copies per line');
  assert.equal(Buffer.concat(r.out).length, big.length);
});

test('parseBareNewlineMode knows Postfix 3.9 values (yes = normalize)', () => {
  assert.equal(parseBareNewlineMode('yes'), 'normalize');
  assert.equal(parseBareNewlineMode('Normalize'), 'normalize');
  assert.equal(parseBareNewlineMode('reject'), 'reject');
  assert.equal(parseBareNewlineMode('note'), 'note');
  assert.equal(parseBareNewlineMode('no'), 'no');
  assert.equal(parseBareNewlineMode('maybe'), undefined);
});
