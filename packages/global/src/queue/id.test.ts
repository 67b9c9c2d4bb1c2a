import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { isLongQueueId, isQueueId, newQueueId, queueIdHashKey, queueIdTime } from './id.js';

test('queue IDs are short, file-name safe, and decode to their time', () => {
  const now = Date.now();
  const id = newQueueId(now);
  assert.ok(isQueueId(id) && isLongQueueId(id), id);
  assert.ok(id.length >= 12 && id.length <= 15, id);
  const t = queueIdTime(id) as number;
  assert.ok(Math.abs(t - now) < 1, `${t} vs ${now}`);
  assert.match(queueIdHashKey(id), /^[0-9A-F]{5}$/);
});

test('queue IDs sort by time and never repeat within a process, even with a stopped clock', () => {
  const ids = Array.from({ length: 5000 }, () => newQueueId(1_700_000_000_000));
  assert.equal(new Set(ids).size, ids.length);
  assert.deepEqual([...ids].sort(), ids);
  const later = newQueueId(1_800_000_000_000);
  assert.ok(later > (ids.at(-1) as string));
});

test('isQueueId accepts Postfix names and rejects paths, lock names and empty strings', () => {
  const table: Array<[string, boolean]> = [
    ['4jXLXb3vHyz41x', true], ['3F2A1B4C7D', true], ['example_com', true],
    ['', false], ['a/b', false], ['..', false], ['4jXLXb3vHyz41x.lock', false], ['x'.repeat(256), false],
  ];
  for (const [name, ok] of table) assert.equal(isQueueId(name), ok, name);
});

test('queue IDs are unique across concurrent processes', { timeout: 60_000 }, async () => {
  const script = `
    import { newQueueId } from ${JSON.stringify(new URL('./id.js', import.meta.url).href)};
    const out = []; for (let i = 0; i < 20000; i++) out.push(newQueueId());
    process.stdout.write(out.join('\\n'));`;
  const runs = Array.from({ length: 4 }, () => new Promise<string[]>((resolve, reject) => {
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
    let text = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (text += d));
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve(text.split('\n')) : reject(new Error(`child exit ${code}`))));
  }));
  const all = (await Promise.all(runs)).flat();
  assert.equal(all.length, 80000);
  assert.equal(new Set(all).size, all.length);
});
