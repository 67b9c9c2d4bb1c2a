/* Tests for openTable: every in-name table type, texthash, composites, the cache, and errors. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { TableCache } from './cache.js';
import { openMaps, openTable, supportedTableTypes } from './open.js';
import { sourceLines } from './source.js';
import { TableError, TableLookupError } from './types.js';

test('in-name tables: static, inline, unionmap, pipemap, fail', async () => {
  const cases: [string, string, string | undefined][] = [
    ['static:OK', 'anything', 'OK'],
    ['static:{ 550 go away }', 'x', '550 go away'],
    ['inline:{ a=1, { B = two words }, c= }', 'b', 'two words'],
    ['inline:{ a=1, { B = two words }, c= }', 'C', ''],
    ['inline:{ a=1 }', 'z', undefined],
    ['unionmap:{ inline:{a=1}, static:2, inline:{b=3} }', 'a', '1,2'],
    ['unionmap:{ inline:{a=1}, inline:{b=3} }', 'z', undefined],
    ['pipemap:{ inline:{a=b}, inline:{b=c} }', 'A', 'c'],
    ['pipemap:{ inline:{a=b}, inline:{x=c} }', 'a', undefined],
    ['regexp:{ { /^(.*)@example\\.com$/ $1 }, { /./ other } }', 'joe@example.com', 'joe'],
    ['cidr:{ { 10.0.0.0/8 net10 } }', '10.9.9.9', 'net10'],
  ];
  for (const [spec, key, want] of cases) assert.equal(await openTable(spec).get(key), want, `${spec} ${key}`);
  await assert.rejects(openTable('fail:oops').get('x'), TableLookupError);
  assert.equal(await openTable('inline:{ a=1 }', { foldCase: false }).get('A'), undefined);
});

test('texthash: postmap format in memory, folded keys, duplicate warning', async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mr-tables-'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const file = path.join(dir, 'relocated');
  fs.writeFileSync(file, 'Joe@Old.example joe@new.example\njoe@old.example again\n');
  const warnings: string[] = [];
  const tab = openTable(`texthash:${file}`, { log: { warn: (m) => warnings.push(m) } });
  assert.equal(await tab.get('JOE@old.example'), 'joe@new.example');
  assert.deepEqual(warnings, [`${file}, line 2: duplicate entry: "joe@old.example"`]);
  assert.deepEqual([...(tab.entries?.() ?? [])], [['joe@old.example', 'joe@new.example']]);
});

test('maps lists and the cache', async () => {
  const maps = openMaps('inline:{a=first}, inline:{a=second, b=b2} static:{fallback}');
  assert.equal(await maps.get('a'), 'first');
  assert.equal(await maps.get('b'), 'b2');
  assert.equal(await maps.get('zzz'), 'fallback');
  const cache = new TableCache();
  const one = cache.open('inline:{a=1}');
  assert.equal(cache.open('inline:{a=1}'), one);
  assert.notEqual(cache.open('inline:{a=1}', { foldCase: false }), one);
  cache.openMaps('inline:{a=1}, static:x');
  assert.equal(cache.size, 3);
  cache.closeAll();
  assert.equal(cache.size, 0);
});

test('open errors read as Postfix says them', () => {
  const cases: [string, RegExp][] = [
    ['nocolon', /^open dictionary: expecting "type:name" form instead of "nocolon"$/],
    ['btree:/etc/x', /^unsupported dictionary type: btree$/],
    ['hash:/nonexistent/x', /^open database \/nonexistent\/x\.db: No such file or directory$/],
    ['regexp:/nonexistent/x', /^open \/nonexistent\/x: No such file or directory$/],
    ['inline:a=b', /^inline:a=b: need "\{" and "\}" around the table contents$/],
    ['inline:{ novalue }', /^inline:\{ novalue \}: syntax error in "novalue": need name=value$/],
    ['unionmap:{}', /^unionmap:\{\}: empty table list$/],
  ];
  for (const [spec, re] of cases) assert.throws(() => openTable(spec), (e: Error) => e instanceof TableError && re.test(e.message), spec);
  assert.deepEqual(supportedTableTypes(), [...supportedTableTypes()].sort());
  assert.ok(supportedTableTypes().includes('lmdb'));
});

test('logical lines: continuation, comments inside continuation, leading white space', () => {
  const warnings: string[] = [];
  const lines = sourceLines(' orphan\nkey value\n# comment\n  more\n\nnext  v\r\n', 'f', { warn: (m) => warnings.push(m) });
  assert.deepEqual(lines, [{ text: 'key value  more', line: 2 }, { text: 'next  v', line: 6 }]);
  assert.deepEqual(warnings, ['f, line 1: logical line must not start with whitespace: " orphan"']);
});
