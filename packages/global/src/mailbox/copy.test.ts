import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyLines, type CopyOptions } from './copy.js';

async function copy(chunks: string[], o: Partial<CopyOptions>): Promise<string> {
  async function* src(): AsyncGenerator<Buffer> {
    for (const c of chunks) yield Buffer.from(c);
  }
  const out: Buffer[] = [];
  for await (const b of copyLines('P\n', src(), { eol: '\n', quoteFrom: false, dotStuff: false, blank: false, ...o })) out.push(b);
  return Buffer.concat(out).toString();
}

test('mail_copy: eol, From_ quoting, dot-stuffing, blank line, across chunk boundaries', async () => {
  assert.equal(await copy(['a\r\nb\nc'], {}), 'P\na\nb\nc\n');
  assert.equal(await copy(['a\r', '\nFr', 'om x\n.dot\n'], { eol: '\r\n', quoteFrom: true, dotStuff: true }), 'P\na\r\n>From x\r\n..dot\r\n');
  assert.equal(await copy(['From x\n'], { blank: true }), 'P\nFrom x\n\n');
  assert.equal(await copy([''], { blank: true }), 'P\n\n');
});
