import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { bufferSource, DumpError, dumpQueueFile, type DumpFlags } from './dump.js';
import { seededRandom, tempSpool, writeSample } from './testing.js';

const ONLY = (f: Partial<DumpFlags>): DumpFlags => ({
  envelope: false, header: false, body: false, offsets: false, decimal: false, verbose: 0, ...f,
});

function dump(bytes: Buffer, flags: DumpFlags): string {
  const out: Buffer[] = [];
  const warning = dumpQueueFile(bufferSource(bytes), 'f', flags, (c) => out.push(Buffer.from(c)));
  assert.equal(warning, undefined);
  return Buffer.concat(out).toString();
}

test('header and body split as Postfix postcat does', async (t) => {
  const { spool, remove } = tempSpool();
  t.after(remove);
  const table: Array<[string, string, string]> = [
    ['A: 1\n B\nC\n', 'A: 1\n B\n', 'C\n'],
    [' leading\nX: y\n\nbody', ' leading\nX: y\n', '\nbody\n'],
    ['Subject : spaced\n\nb\n', 'Subject : spaced\n', '\nb\n'],
    ['A: 1\r\n\r\nbody\r\n', 'A: 1\n', '\nbody\n'],
    ['hello\n', '', 'hello\n'],
    [':colon first\n', '', ':colon first\n'],
    ['', '', ''],
  ];
  for (const [content, header, body] of table) {
    const bytes = fs.readFileSync((await writeSample(spool, { content })).path);
    assert.equal(dump(bytes, ONLY({ header: true })), header, JSON.stringify(content));
    assert.equal(dump(bytes, ONLY({ body: true })), body, JSON.stringify(content));
    assert.equal(dump(bytes, ONLY({ header: true, body: true })), header + body);
  }
});

test('lines longer than a read piece are printed whole and classified once', async (t) => {
  const { spool, remove } = tempSpool();
  t.after(remove);
  const longHeader = `X-Long: ${'a'.repeat(200_000)}\n`;
  const longBody = `${'b'.repeat(150_000)}\n${'c'.repeat(70_000)}`;
  const bytes = fs.readFileSync((await writeSample(spool, { content: `${longHeader}\n${longBody}` })).path);
  assert.equal(dump(bytes, ONLY({ header: true })), longHeader);
  assert.equal(dump(bytes, ONLY({ body: true })), `\n${longBody}\n`);
});

test('damaged files make dumpQueueFile print or throw DumpError, nothing else (seeded fuzz)', async (t) => {
  const { spool, remove } = tempSpool();
  t.after(remove);
  const bytes = fs.readFileSync((await writeSample(spool, { late: [{ address: 'x@example.net' }] })).path);
  const rnd = seededRandom(99);
  const all = ONLY({ envelope: true, header: true, body: true, offsets: true, decimal: true });
  let errors = 0;
  for (let i = 0; i < 1000; i++) {
    const copy = Buffer.from(bytes.subarray(0, Math.floor(rnd() * (bytes.length + 1))));
    for (let f = Math.floor(rnd() * 4); f > 0 && copy.length > 0; f--) copy[Math.floor(rnd() * copy.length)] = Math.floor(rnd() * 256);
    try {
      dumpQueueFile(bufferSource(copy), 'f', all, () => undefined);
    } catch (err) {
      assert.ok(err instanceof DumpError, `iteration ${i}: ${String(err)}`);
      errors++;
    }
  }
  assert.ok(errors > 100, `${errors}`);
});
