/* ipc: codecs validate by field; client/server pipeline in order, time out, reject junk; triggers. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { arrayOf, defineCodec, int, literal, object, optional, ProtocolError, str, union } from './codec.js';
import { IpcClient, IpcError, ipcRequest } from './client.js';
import { LineSplitter } from './lines.js';
import { serveIpc } from './server.js';
import { FLUSH_TRIGGER, triggerService } from './trigger.js';

interface Req {
  op: 'add' | 'slow';
  a: number;
  b?: number;
}
const reqCodec = defineCodec<Req>('calc-request', object({ op: literal('add', 'slow'), a: int, b: optional(int) }));
const repCodec = defineCodec<{ sum: number }>('calc-reply', object({ sum: int }));

test('codec checks name the bad field', () => {
  const cases: [string, RegExp | Req][] = [
    ['{"op":"add","a":1,"b":2}', { op: 'add', a: 1, b: 2 }],
    ['{"op":"add","a":1}', { op: 'add', a: 1 }],
    ['{"op":"mul","a":1}', /calc-request\.op: expected "add"\|"slow"/],
    ['{"op":"add","a":"1"}', /calc-request\.a: expected integer, got string/],
    ['[1]', /calc-request: expected object, got array/],
    ['{"op":', /malformed JSON/],
  ];
  for (const [line, want] of cases) {
    if (want instanceof RegExp) assert.throws(() => reqCodec.decode(line), (e: unknown) => e instanceof ProtocolError && want.test(e.message), line);
    else assert.deepEqual(reqCodec.decode(line), want, line);
  }
  const tagged = union<{ t: 'x'; n: number } | { t: 'y'; s: string[] }>('t', {
    x: object({ t: literal('x'), n: int }),
    y: object({ t: literal('y'), s: arrayOf(str) }),
  });
  assert.deepEqual(tagged({ t: 'y', s: ['a'] }, 'm'), { t: 'y', s: ['a'] });
  assert.throws(() => tagged({ t: 'z' }, 'm'), /m\.t: expected "x"\|"y"/);
  assert.equal(reqCodec.encode({ op: 'add', a: 1 }), '{"op":"add","a":1}\n');
});

test('LineSplitter joins lines split across chunks and bounds their length', () => {
  const lines: string[] = [];
  const s = new LineSplitter((l) => lines.push(l), 10);
  s.push(Buffer.from('ab'));
  s.push(Buffer.from('c\nde\n\nf'));
  assert.deepEqual(lines, ['abc', 'de', '']);
  assert.equal(s.pending(), 1);
  assert.throws(() => s.push(Buffer.from('0123456789')), ProtocolError);
});

async function withServer(fn: (file: string) => Promise<void>): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mailroom-ipc-'));
  const file = path.join(dir, 'calc');
  const server = net.createServer((sock) => {
    void serveIpc(sock, reqCodec, repCodec, async (r) => {
      if (r.op === 'slow') await new Promise((res) => setTimeout(res, r.a));
      return { sum: r.a + (r.b ?? 0) };
    });
  });
  await new Promise<void>((r) => server.listen(file, r));
  try {
    await fn(file);
  } finally {
    server.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

test('requests on one connection are answered in order, even when pipelined', () =>
  withServer(async (file) => {
    const client = new IpcClient(file, reqCodec, repCodec, { timeoutMs: 2000 });
    const replies = await Promise.all([
      client.request({ op: 'slow', a: 50 }),
      client.request({ op: 'add', a: 1, b: 2 }),
      client.request({ op: 'slow', a: 10, b: 1 }),
    ]);
    assert.deepEqual(replies, [{ sum: 50 }, { sum: 3 }, { sum: 11 }]);
    assert.deepEqual(await client.request({ op: 'add', a: 5 }), { sum: 5 }, 'the connection is reused');
    client.close();
  }));

test('a slow reply times out; a missing service is ENOENT', () =>
  withServer(async (file) => {
    await assert.rejects(
      ipcRequest(file, reqCodec, repCodec, { op: 'slow', a: 500 }, { timeoutMs: 100 }),
      (e: unknown) => e instanceof IpcError && e.code === 'ETIMEDOUT',
    );
    await assert.rejects(
      ipcRequest(`${file}-none`, reqCodec, repCodec, { op: 'add', a: 1 }),
      (e: unknown) => e instanceof IpcError && e.code === 'ENOENT',
    );
  }));

test('a reply that fails its codec rejects the request', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mailroom-ipc-'));
  const file = path.join(dir, 'junk');
  const server = net.createServer((s) => s.once('data', () => s.write('{"sum":"x"}\n')));
  await new Promise<void>((r) => server.listen(file, r));
  try {
    await assert.rejects(ipcRequest(file, reqCodec, repCodec, { op: 'add', a: 1 }), /calc-reply\.sum: expected integer/);
  } finally {
    server.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('triggerService writes its bytes to $queue_directory/public/NAME', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mailroom-trigger-'));
  fs.mkdirSync(path.join(dir, 'public'));
  let got = '';
  const done = new Promise<void>((resolve) => {
    const server = net.createServer((s) => {
      s.setEncoding('utf8');
      s.on('data', (d: string) => (got += d));
      s.on('end', () => {
        server.close();
        resolve();
      });
    });
    server.listen(path.join(dir, 'public', 'qmgr'));
  });
  try {
    await new Promise((r) => setTimeout(r, 50));
    await triggerService(dir, 'public/qmgr', FLUSH_TRIGGER);
    await done;
    assert.equal(got, 'FADI');
    await assert.rejects(triggerService(dir, 'public/nothere', 'W'), (e: unknown) => e instanceof IpcError && e.code === 'ENOENT');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
