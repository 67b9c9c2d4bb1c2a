/* Tests for the hash table file format, its builder, rebuilds under a reader, and reload on change. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { buildTable, deleteKeys } from './build.js';
import { HashFileReader, writeHashFile } from './hashfile.js';
import { openTable } from './open.js';

function tmpdir(t: { after: (fn: () => void) => void }): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mr-tables-'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

function writeFile(file: string, keys: string[], values: string[]): void {
  const fd = fs.openSync(file, 'w');
  writeHashFile(fd, new Map(keys.map((k, i) => [k, values[i] as string])), 0);
  fs.closeSync(fd);
}

test('hash file: every key found, misses miss, long and non-ASCII values survive', (t) => {
  const dir = tmpdir(t);
  const keys: string[] = [];
  const values: string[] = [];
  for (let i = 0; i < 20000; i++) {
    keys.push(`user${i}@example.com`);
    values.push(i % 1000 === 0 ? 'x'.repeat(10000 + i) : `local${i}`);
  }
  keys.push('ünïcødé@例え.jp', '');
  values.push('ok ✓', 'empty key');
  writeFile(path.join(dir, 'big.db'), keys, values);
  const r = new HashFileReader(path.join(dir, 'big.db'));
  assert.equal(r.count, keys.length);
  keys.forEach((k, i) => assert.equal(r.get(k), values[i], k));
  for (let i = 0; i < 2000; i++) assert.equal(r.get(`missing${i}@example.com`), undefined);
  assert.deepEqual([...r.entries()].length, keys.length);
  assert.deepEqual([...r.entries()][20000], ['ünïcødé@例え.jp', 'ok ✓']);
  r.close();
});

test('hash file: empty table and foreign files', (t) => {
  const dir = tmpdir(t);
  writeFile(path.join(dir, 'empty.db'), [], []);
  const r = new HashFileReader(path.join(dir, 'empty.db'));
  assert.equal(r.get('x'), undefined);
  assert.deepEqual([...r.entries()], []);
  r.close();
  fs.writeFileSync(path.join(dir, 'bdb.db'), Buffer.alloc(4096));
  assert.throws(() => new HashFileReader(path.join(dir, 'bdb.db')), /not a Mailroom hash table/);
});

test('buildTable: source format, folding, duplicates, permissions, -d', async (t) => {
  const dir = tmpdir(t);
  const src = path.join(dir, 'virtual');
  fs.writeFileSync(src, 'User@Example.COM  u1\n# comment\n@example.com catch,\n  all\nuser@example.com second\nnovalue\n', { mode: 0o640 });
  const warnings: string[] = [];
  const log = { warn: (m: string) => warnings.push(m) };
  assert.equal(await buildTable('hash', src, { format: 'postmap', log }), 2);
  assert.deepEqual(warnings, [`${src}.db: duplicate entry: "user@example.com"`, `${src}, line 6: expected format: key whitespace value`]);
  assert.equal(fs.statSync(`${src}.db`).mode & 0o777, 0o640);
  const tab = openTable(`hash:${src}`);
  assert.equal(await tab.get('USER@example.com'), 'u1');
  assert.equal(await tab.get('@example.com'), 'catch,  all');
  tab.close();
  assert.equal(await deleteKeys('hash', src, ['@EXAMPLE.com', 'absent']), 1);
  assert.equal(await deleteKeys('hash', src, ['@example.com']), 0);
  const after = openTable(`hash:${src}`);
  assert.equal(await after.get('@example.com'), undefined);
  assert.equal(await after.get('user@example.com'), 'u1');
  after.close();
  assert.deepEqual(fs.readdirSync(dir).sort(), ['virtual', 'virtual.db']);
});

test('a rebuild under an open reader: old table stays whole, new one is picked up on change', async (t) => {
  const dir = tmpdir(t);
  const src = path.join(dir, 'transport');
  const gen = (tag: string): string => Array.from({ length: 5000 }, (_, i) => `d${i}.example ${tag}:${i}\n`).join('');
  fs.writeFileSync(src, gen('old'));
  await buildTable('hash', src, { format: 'postmap' });
  const slow = openTable(`hash:${src}`, { reloadInterval: 3_600_000 });
  const fast = openTable(`hash:${src}`, { reloadInterval: 0, log: { warn: () => undefined } });
  assert.equal(await fast.get('d7.example'), 'old:7');
  fs.writeFileSync(src, gen('new'));
  await buildTable('hash', src, { format: 'postmap' });
  for (let i = 0; i < 5000; i += 97) assert.equal(await slow.get(`d${i}.example`), `old:${i}`);
  assert.equal(await fast.get('d7.example'), 'new:7');
  slow.close();
  fast.close();
});

test('lmdb tables build, answer, list and reload', async (t) => {
  const dir = tmpdir(t);
  const src = path.join(dir, 'access');
  fs.writeFileSync(src, 'Spammer.example REJECT\n1.2.3 OK\n');
  await buildTable('lmdb', src, { format: 'postmap' });
  const tab = openTable(`lmdb:${src}`, { reloadInterval: 0 });
  const other = openTable(`lmdb:${src}`, { reloadInterval: 3_600_000, foldCase: false });
  assert.equal(await tab.get('spammer.example'), 'REJECT');
  assert.equal(await other.get('spammer.example'), 'REJECT');
  assert.deepEqual([...(tab.entries?.() ?? [])].sort(), [['1.2.3', 'OK'], ['spammer.example', 'REJECT']]);
  fs.writeFileSync(src, 'spammer.example OK\n');
  await buildTable('lmdb', src, { format: 'postmap' });
  assert.equal(await tab.get('spammer.example'), 'OK');
  assert.equal(await tab.get('1.2.3'), undefined);
  assert.equal(await other.get('spammer.example'), 'OK', 'tables of one path share the reopened environment');
  tab.close();
  assert.equal(await other.get('spammer.example'), 'OK');
  other.close();
});

test('source tables reload when their file changes; a broken reload keeps the old contents', async (t) => {
  const dir = tmpdir(t);
  const file = path.join(dir, 'checks');
  fs.writeFileSync(file, '/^a/ first\n');
  const notes: string[] = [];
  const tab = openTable(`regexp:${file}`, { reloadInterval: 0, log: { warn: (m) => notes.push(`warn ${m}`), info: (m) => notes.push(`info ${m}`) } });
  assert.equal(await tab.get('abc'), 'first');
  fs.writeFileSync(file, '/^a/ second\n/^b/ third\n');
  assert.equal(await tab.get('abc'), 'second');
  assert.equal(await tab.get('bcd'), 'third');
  fs.rmSync(file);
  assert.equal(await tab.get('abc'), 'second');
  assert.deepEqual(notes.map((n) => n.replaceAll(dir, 'DIR')), [
    'info table regexp:DIR/checks has changed -- reloaded',
    'warn table regexp:DIR/checks has changed, but cannot be reloaded (keeping the old contents): open DIR/checks: No such file or directory',
  ]);
  tab.close();
});
