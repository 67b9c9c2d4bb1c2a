import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { createSpool, SPOOL_DIR_MODES } from './create.js';
import { newQueueId, queueIdHashKey } from './id.js';
import { filesInUse, lockQueueFile, useQueueFile } from './lock.js';
import { moveQueueFile, recoverActive } from './move.js';
import { readQueueFile } from './reader.js';
import { findQueueFile, scanQueue } from './scan.js';
import { Spool } from './spool.js';
import { captureLog, tempSpool, writeSample } from './testing.js';
import { backoffRetryTime, nextRetryTime, setNextRetry } from './update.js';

async function ids(iter: AsyncGenerator<string>): Promise<string[]> {
  const out: string[] = [];
  for await (const id of iter) out.push(id);
  return out;
}

test('createSpool makes every directory with Postfix modes, despite the umask, idempotently', (t) => {
  const { spool, remove } = tempSpool();
  t.after(remove);
  const old = process.umask(0o077);
  try {
    createSpool(spool.queueDir);
  } finally {
    process.umask(old);
  }
  const expect: Array<[string, number]> = [
    ['maildrop', 0o1733], ['public', 0o711], ['private', 0o700], ['pid', 0o755], ['incoming', 0o700],
    ['active', 0o700], ['deferred', 0o700], ['hold', 0o700], ['corrupt', 0o700], ['bounce', 0o700],
    ['defer', 0o700], ['trace', 0o700], ['flush', 0o700], ['saved', 0o700], ['deferred/F', 0o700], ['defer/0', 0o700],
  ];
  for (const [dir, mode] of expect) assert.equal(fs.statSync(path.join(spool.queueDir, dir)).mode & 0o7777, mode, dir);
  assert.equal(fs.statSync(spool.queueDir).mode & 0o777, 0o755);
  assert.equal(Object.keys(SPOOL_DIR_MODES).length, 14);
  assert.ok(!fs.existsSync(path.join(spool.queueDir, 'incoming', '0')), 'incoming is not hashed by default');
});

test('paths follow hash_queue_names and hash_queue_depth', () => {
  const id = newQueueId();
  const [k1, k2] = queueIdHashKey(id); // microseconds in hex, as Postfix hashes long IDs
  const table: Array<[string[], number, string, string]> = [
    [['deferred', 'defer'], 1, 'deferred', `deferred/${k1}/${id}`],
    [['deferred', 'defer'], 1, 'incoming', `incoming/${id}`],
    [['deferred', 'defer'], 2, 'defer', `defer/${k1}/${k2}/${id}`],
    [['incoming'], 1, 'incoming', `incoming/${k1}/${id}`],
    [['DEFERRED'], 1, 'deferred', `deferred/${k1}/${id}`],
  ];
  for (const [names, depth, queue, rel] of table) {
    const spool = new Spool('/q', { hashQueueNames: names, hashQueueDepth: depth });
    assert.equal(spool.relativePath(queue as 'deferred', id), rel, `${names} ${depth} ${queue}`);
    assert.equal(spool.path(queue as 'deferred', id), `/q/${rel}`);
  }
  assert.equal(new Spool('/q').relativePath('deferred', '3F2A1B4C7D'), 'deferred/3/3F2A1B4C7D', 'short IDs hash on their first character');
  assert.throws(() => new Spool('/q').path('incoming', '../etc/passwd'), /bad mail queue ID/);
});

test('moves, scans across hashed directories, and lookups', async (t) => {
  const { spool, remove } = tempSpool({ hashQueueDepth: 2 });
  t.after(remove);
  // IDs hash on their microseconds: spread their times so they land in many directories.
  const sample = fs.readFileSync((await writeSample(spool)).path);
  fs.rmSync(spool.queuePath('incoming'), { recursive: true });
  const base = Date.now();
  const written = Array.from({ length: 40 }, (_, i) => {
    const id = newQueueId(base + i * 73.3);
    fs.mkdirSync(spool.dir('incoming', id), { recursive: true });
    fs.writeFileSync(spool.path('incoming', id), sample, { mode: 0o700 });
    return { id };
  });
  const all = written.map((w) => w.id).sort();
  assert.deepEqual((await ids(scanQueue(spool, 'incoming'))).sort(), all);
  for (const w of written) await moveQueueFile(spool, w.id, 'incoming', 'deferred', { sync: false });
  assert.deepEqual(await ids(scanQueue(spool, 'incoming')), []);
  const deferred = await ids(scanQueue(spool, 'deferred'));
  assert.deepEqual([...deferred].sort(), all);
  const dirs = new Set(written.map((w) => path.dirname(spool.path('deferred', w.id))));
  assert.ok(dirs.size > 1, 'files spread over hashed subdirectories');
  const first = written[0]!;
  assert.deepEqual(findQueueFile(spool, first.id), { queue: 'deferred', path: spool.path('deferred', first.id) });
  assert.equal(findQueueFile(spool, 'NOSUCHID'), undefined);
  assert.equal((await readQueueFile(spool.path('deferred', first.id))).id, first.id);
  await assert.rejects(moveQueueFile(spool, 'NOSUCHID', 'incoming', 'hold'), /ENOENT/);
  // A hashed directory that was removed is recreated on demand.
  fs.rmSync(path.dirname(spool.path('defer', first.id)), { recursive: true });
  await moveQueueFile(spool, first.id, 'deferred', 'defer');
  assert.ok(fs.existsSync(spool.path('defer', first.id)));
});

test('the next retry time lives in the mtime', async (t) => {
  const { spool, remove } = tempSpool();
  t.after(remove);
  const w = await writeSample(spool);
  setNextRetry(w.path, 2_000_000_000);
  assert.equal(nextRetryTime(w.path), 2_000_000_000);
  assert.equal((await readQueueFile(w.path)).mtime, 2_000_000_000_000);
  const table: Array<[number, number, number]> = [
    // [age in seconds, expected delay]: clamped to 300..4000
    [0, 300, 1], [1000, 1000, 2], [3600, 3600, 3], [86400, 4000, 4],
  ];
  const now = 1_700_000_000_000;
  for (const [age, delay] of table) assert.equal(backoffRetryTime(now - age * 1000, now, 300, 4000), now / 1000 + delay, `age ${age}`);
});

test('recoverActive moves active files back to incoming, except locked ones', async (t) => {
  const { spool, remove } = tempSpool();
  t.after(remove);
  const [a, b, c] = await Promise.all([writeSample(spool), writeSample(spool), writeSample(spool)]);
  for (const w of [a!, b!, c!]) await moveQueueFile(spool, w.id, 'incoming', 'active', { sync: false });
  const lock = lockQueueFile(spool.path('active', b!.id));
  assert.ok(lock);
  // A stale lock (dead holder) does not keep a file in active.
  fs.symlinkSync('999999999.1', `${spool.path('active', c!.id)}.lock`);
  const { log, lines } = captureLog();
  const result = await recoverActive(spool, log);
  assert.deepEqual(result.moved.sort(), [a!.id, c!.id].sort());
  assert.deepEqual(result.busy, [b!.id]);
  assert.deepEqual(await ids(scanQueue(spool, 'active')), [b!.id]);
  assert.deepEqual(fs.readdirSync(spool.queuePath('active')).sort(), [b!.id, `${b!.id}.lock`].sort());
  assert.deepEqual(lines.map((l) => l.msg), [
    'recovered 2 message(s) from the active queue',
    '1 message(s) in the active queue still being delivered: recovered when done',
  ]);
  lock.release();
});

test('recoverActive leaves a file a delivery agent holds until the hold is released', async (t) => {
  const { spool, remove } = tempSpool();
  t.after(remove);
  const [a, b] = await Promise.all([writeSample(spool), writeSample(spool)]);
  for (const w of [a!, b!]) await moveQueueFile(spool, w.id, 'incoming', 'active', { sync: false });
  const held = useQueueFile(spool.path('active', a!.id));
  const twice = useQueueFile(spool.path('active', a!.id));
  assert.ok(held && twice, 'holds are shared: two deliveries of one message at once');
  // A dead agent's hold neither blocks nor stays.
  fs.symlinkSync('999999999.1', `${spool.path('active', b!.id)}.use.999999999.1`);
  const first = await recoverActive(spool);
  assert.deepEqual([first.moved, first.busy], [[b!.id], [a!.id]]);
  assert.deepEqual(fs.readdirSync(spool.queuePath('active')).filter((n) => n.startsWith(b!.id)), []);
  held.release();
  assert.deepEqual((await recoverActive(spool, undefined, new Set([a!.id]))).busy, [a!.id], 'one hold is left');
  twice.release();
  const last = await recoverActive(spool, undefined, new Set([a!.id]));
  assert.deepEqual([last.moved, last.busy], [[a!.id], []]);
  assert.deepEqual(fs.readdirSync(spool.queuePath('active')), []);
});

test('a file being moved (exclusive lock) or gone cannot be held', async (t) => {
  const { spool, remove } = tempSpool();
  t.after(remove);
  const w = await writeSample(spool);
  const lock = lockQueueFile(w.path);
  assert.ok(lock);
  assert.equal(useQueueFile(w.path), null);
  lock.release();
  const hold = useQueueFile(w.path);
  assert.ok(hold);
  const mover = lockQueueFile(w.path);
  assert.ok(mover, 'the mover looks for holds itself (filesInUse)');
  mover.release();
  assert.deepEqual([...filesInUse(spool.queuePath('incoming'))], [w.id]);
  hold.release();
  assert.deepEqual([...filesInUse(spool.queuePath('incoming'))], []);
  assert.equal(useQueueFile(spool.path('incoming', 'NOSUCHFILE')), null);
  assert.deepEqual(fs.readdirSync(spool.queuePath('incoming')).filter((n) => n.includes('.use.')), []);
});
