import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DataEncoder, encodeData } from './body.js';

test('encodeData normalises line ends and dot-stuffs', () => {
  const cases: [string, string][] = [
    ['', '.\r\n'],
    ['a\n', 'a\r\n.\r\n'],
    ['a\r\nb\r\n', 'a\r\nb\r\n.\r\n'],
    ['a\nb', 'a\r\nb\r\n.\r\n'],
    ['.\n', '..\r\n.\r\n'],
    ['x\n.y\n..z\r\n', 'x\r\n..y\r\n...z\r\n.\r\n'],
    ['\n\n', '\r\n\r\n.\r\n'],
    ['a\rb\n', 'a\rb\r\n.\r\n'],
  ];
  for (const [input, want] of cases) assert.equal(encodeData(Buffer.from(input)).toString(), want, JSON.stringify(input));
});

test('DataEncoder gives the same bytes whatever the chunking', () => {
  const input = 'Subject: x\n.\r\n\r\n.line\nend\r\n.\n..\nlast';
  const want = encodeData(Buffer.from(input)).toString();
  for (let size = 1; size <= input.length; size++) {
    const enc = new DataEncoder();
    const parts: Buffer[] = [];
    for (let i = 0; i < input.length; i += size) parts.push(enc.encode(Buffer.from(input.slice(i, i + size))));
    parts.push(enc.end());
    assert.equal(Buffer.concat(parts).toString(), want, `chunk size ${size}`);
  }
});

test('DataEncoder passes clean CRLF chunks through without copying', () => {
  const chunk = Buffer.from('a\r\nb\r\n');
  assert.equal(new DataEncoder().encode(chunk), chunk);
});
