/* Tests for the aliases(5) source format and alias value parsing. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseAliasLines, parseAliasValue } from './aliases.js';
import { sourceLines } from './source.js';

test('aliases(5) entries, continuation lines, quoted names, bad lines', () => {
  const warnings: string[] = [];
  const log = { warn: (m: string) => warnings.push(m) };
  const text = ['# comment', 'postmaster: root', 'root: admin,', '   /var/log/all, "|/bin/cmd a, b"', '"first last": fl', 'x@example.com: y', 'empty:', 'mail-list: :include:/etc/mail/list'].join('\n');
  const entries = parseAliasLines(sourceLines(text, '/etc/aliases', log), '/etc/aliases', log);
  assert.deepEqual(entries.map((e) => [e.name, e.value, e.line]), [
    ['postmaster', 'root', 2],
    ['root', 'admin, /var/log/all, "|/bin/cmd a, b"', 3],
    ['first last', 'fl', 5],
    ['mail-list', ':include:/etc/mail/list', 8],
  ]);
  assert.deepEqual(warnings, ['/etc/aliases, line 6: name must be local', '/etc/aliases, line 7: need name:value pair']);
});

test('alias values: addresses, files, commands, includes', () => {
  assert.deepEqual(parseAliasValue('admin, /var/log/all, "|/bin/cmd a, b", |/bin/x, :INCLUDE: /etc/list, "a b"@example.com'), [
    { kind: 'address', address: 'admin' },
    { kind: 'file', path: '/var/log/all' },
    { kind: 'command', command: '/bin/cmd a, b' },
    { kind: 'command', command: '/bin/x' },
    { kind: 'include', path: '/etc/list' },
    { kind: 'address', address: '"a b"@example.com' },
  ]);
});
