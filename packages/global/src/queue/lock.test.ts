import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import { clearStaleLocks, lockQueueFile } from './lock.js';
import { tempSpool, writeSample } from './testing.js';

test('a lock excludes a second taker until released', async (t) => {
  const { spool, remove } = tempSpool();
  t.after(remove);
  const w = await writeSample(spool);
  const lock = lockQueueFile(w.path);
  assert.ok(lock);
  assert.equal(lockQueueFile(w.path), null, 'held by this (live) process');
  lock.release();
  lock.release(); // idempotent
  const again = lockQueueFile(w.path);
  assert.ok(again);
  lock.release(); // an old handle must not drop the new holder's lock
  assert.equal(lockQueueFile(w.path), null);
  again.release();
});

test('a lock held by another process blocks; once it dies the lock is stale and taken over', { timeout: 30_000 }, async (t) => {
  const { spool, remove } = tempSpool();
  t.after(remove);
  const w = await writeSample(spool);
  const script = `
    import { lockQueueFile } from ${JSON.stringify(new URL('./lock.js', import.meta.url).href)};
    process.stdout.write(lockQueueFile(${JSON.stringify(w.path)}) ? 'locked\\n' : 'busy\\n');
    setInterval(() => {}, 1000);`;
  const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  const said = await new Promise<string>((resolve) => child.stdout.setEncoding('utf8').once('data', (d: string) => resolve(d.trim())));
  assert.equal(said, 'locked');
  assert.equal(lockQueueFile(w.path), null, 'the child holds it');
  child.kill('SIGKILL');
  await new Promise((r) => child.once('exit', r));
  const taken = lockQueueFile(w.path);
  assert.ok(taken, 'stale lock broken');
  assert.equal(fs.readlinkSync(`${w.path}.lock`).split('.')[0], String(process.pid));
  assert.ok(!fs.existsSync(`${w.path}.lock.break`));
  taken.release();
});

test('a break-lock left by a dead breaker blocks until clearStaleLocks', async (t) => {
  const { spool, remove } = tempSpool();
  t.after(remove);
  const w = await writeSample(spool);
  fs.symlinkSync('999999999.1', `${w.path}.lock`);
  fs.symlinkSync('999999998.1', `${w.path}.lock.break`);
  assert.equal(lockQueueFile(w.path), null);
  assert.equal(clearStaleLocks(spool.queuePath('incoming')), 2);
  const lock = lockQueueFile(w.path);
  assert.ok(lock);
  assert.equal(clearStaleLocks(spool.queuePath('incoming')), 0, 'a live lock is kept');
  lock.release();
});
