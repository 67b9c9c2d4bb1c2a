/* service: answers are cached, shared while in flight, dropped when a table file changes; FAIL is not cached. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { RESOLVE_FLAG, type ResolveReply } from '@mailroom/global';
import type { RewriteEngine } from './engine.js';
import { RewriteService } from './service.js';
import { engineFor } from './testing.js';

/** counting - the engine, counting the resolves that reach it. */
function counting(engine: RewriteEngine): { engine: RewriteEngine; calls: () => number } {
  let n = 0;
  const wrapped: RewriteEngine = {
    ...engine,
    resolve: (s, a) => {
      n++;
      return engine.resolve(s, a);
    },
    tablesChanged: () => engine.tablesChanged(),
  };
  return { engine: wrapped, calls: () => n };
}

test('resolve answers are cached and shared; rewrite is answered directly', async () => {
  const { engine, calls } = counting(await engineFor());
  const svc = new RewriteService(engine);
  const [a, b] = await Promise.all([svc.resolve('', 'u@remote.example'), svc.resolve('x@y', 'u@remote.example')]);
  assert.equal(a, b);
  await svc.resolve('', 'u@remote.example');
  assert.equal(calls(), 1, 'one resolve for three questions (the sender does not matter without sender maps)');
  assert.deepEqual(await svc.handle({ op: 'rewrite', rule: 'local', address: 'u' }), { op: 'rewrite', address: 'u@example.com', flags: 0 });
  engine.close();
});

test('the sender is part of the key when sender-dependent maps are set', async () => {
  const { engine, calls } = counting(await engineFor({ sender_dependent_relayhost_maps: 'inline:{ a@example.com=[a.example] }' }));
  const svc = new RewriteService(engine);
  const a = await svc.resolve('a@example.com', 'u@remote.example');
  const b = await svc.resolve('b@example.com', 'u@remote.example');
  assert.equal(calls(), 2);
  assert.deepEqual([a.nexthop, b.nexthop], ['[a.example]', 'remote.example']);
  engine.close();
});

test('FAIL answers are asked again; a changed table file drops the cache', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mailroom-rewrite-svc-'));
  const file = path.join(dir, 'transport');
  try {
    const { engine, calls } = counting(await engineFor({ transport_maps: `texthash:${file}` }));
    const svc = new RewriteService(engine);
    const failed: ResolveReply = await svc.resolve('', 'u@remote.example');
    assert.equal(failed.flags, RESOLVE_FLAG.FAIL);
    await svc.resolve('', 'u@remote.example');
    assert.equal(calls(), 2, 'FAIL is not cached');

    fs.writeFileSync(file, 'remote.example  relay:\n');
    await new Promise((r) => setTimeout(r, 1100));
    assert.equal((await svc.resolve('', 'u@remote.example')).transport, 'relay');
    assert.equal((await svc.resolve('', 'u@remote.example')).transport, 'relay');
    assert.equal(calls(), 3, 'the good answer is cached');

    fs.writeFileSync(file, 'remote.example  error:gone away\n# longer file\n');
    await new Promise((r) => setTimeout(r, 1100));
    const after = await svc.resolve('', 'u@remote.example');
    assert.deepEqual([after.transport, after.nexthop], ['error', 'gone away'], 'the edit is seen at once after the check interval');
    engine.close();
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
