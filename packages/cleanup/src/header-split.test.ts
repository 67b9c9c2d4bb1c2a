/* header-split: logical headers, folding, where the block ends, limits, any chunking. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { HeaderSplitter, type RawHeader } from './header-split.js';

/** run - split `msg` fed in pieces of `n` bytes; headers and body as text. */
function run(msg: string, n: number, limit = 1000): { headers: RawHeader[]; body: string; sep: boolean; eol: string } {
  const s = new HeaderSplitter(limit);
  const buf = Buffer.from(msg, 'latin1');
  const headers: RawHeader[] = [];
  const body: Buffer[] = [];
  for (let i = 0; i < buf.length; i += n) {
    const r = s.done ? { headers: [], body: buf.subarray(i, i + n) } : s.push(buf.subarray(i, i + n));
    headers.push(...r.headers);
    if (r.body) body.push(r.body);
  }
  if (!s.done) {
    const r = s.end();
    headers.push(...r.headers);
    if (r.body) body.push(r.body);
  }
  return { headers, body: Buffer.concat(body).toString('latin1'), sep: s.separator, eol: s.eol };
}

test('headers, folds and body come out the same whatever the chunk size', () => {
  const msg = 'Subject: one\r\n two\r\nX-A:b\r\n\r\nbody\r\nline\r\n';
  for (const n of [1, 2, 3, 7, 100]) {
    const r = run(msg, n);
    assert.deepEqual(r.headers.map((h) => [h.name, h.text]), [['subject', 'Subject: one\n two'], ['x-a', 'X-A:b']], `chunk ${n}`);
    assert.equal(Buffer.concat(r.headers.map((h) => h.raw)).toString(), 'Subject: one\r\n two\r\nX-A:b\r\n');
    assert.equal(r.body, 'body\r\nline\r\n');
    assert.equal(r.sep, true);
    assert.equal(r.eol, '\r\n');
  }
});

test('the block ends at a non-header line, at end of input, or with nothing at all', () => {
  const cases: [string, string[], string, boolean][] = [
    ['From: a\nnot a header\nmore\n', ['from'], 'not a header\nmore\n', false],
    ['From: a\nTo: b', ['from', 'to'], '', false],
    ['', [], '', false],
    ['\nbody only\n', [], 'body only\n', true],
    [' leading space\n', [], ' leading space\n', false],
    ['From me Tue Jan 1\nSubject: x\n\n', [], 'From me Tue Jan 1\nSubject: x\n\n', false],
  ];
  for (const [msg, names, body, sep] of cases) {
    const r = run(msg, 3);
    assert.deepEqual(r.headers.map((h) => h.name), names, JSON.stringify(msg));
    assert.equal(r.body, body, JSON.stringify(msg));
    assert.equal(r.sep, sep, JSON.stringify(msg));
  }
  assert.equal(run('A: b\nC: d\n\n', 4).eol, '\n');
});

test('a header longer than the limit is cut; the rest of the message is intact', () => {
  const long = `Subject: ${'x'.repeat(5000)}\r\n continued ${'y'.repeat(100)}\r\n`;
  const r = run(`${long}To: a@b\r\n\r\nbody\r\n`, 512, 100);
  assert.equal(r.headers.length, 2);
  const [subject, to] = r.headers as [RawHeader, RawHeader];
  assert.equal(subject.truncated, true);
  assert.ok(subject.raw.length <= 102, `cut to the limit (${subject.raw.length})`);
  assert.ok(subject.raw.toString().endsWith('\r\n'));
  assert.equal(to.text, 'To: a@b');
  assert.equal(r.body, 'body\r\n');
  // An overlong first line that is no header is body, kept whole.
  const body = 'z'.repeat(3000);
  assert.equal(run(`${body}\n`, 256, 100).body, `${body}\n`);
});

test('8-bit header bytes that are not UTF-8 are kept byte for byte', () => {
  const r = run('Subject: caf\xe9\n\n', 5);
  const h = r.headers[0] as RawHeader;
  assert.equal(h.binary, true);
  assert.equal(h.text, 'Subject: caf\xe9');
  assert.deepEqual([...h.raw.subarray(-2)], [0xe9, 0x0a]);
});
