/*
 * The cleanup protocol end to end inside one process: CleanupFrameReader on any
 * chunking, CleanupClient against the real connection handler (several messages per
 * connection, onReady first, abort and disconnect leaving nothing in incoming/),
 * and a 30 MB message streamed with bounded memory.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { CleanupClient, CleanupFrameReader, frameHeader, ProtocolError, readQueueFileSync, type CleanupBegin } from '@mailroom/global';
import { serveConnection } from './server.js';
import { beginOf, cleanupKit, EXTERNAL, type Kit } from './testkit.js';

test('CleanupFrameReader: the same events whatever the chunking; pauses after each message', () => {
  const begin = (n: number): string => `${JSON.stringify(beginOf({ sender: `s${n}@example.org` }))}\n`;
  const wire = Buffer.concat([
    Buffer.from(begin(1)), frameHeader(5), Buffer.from('Hello'), frameHeader(3), Buffer.from(', w'), Buffer.from('0\n'),
    Buffer.from(begin(2)), frameHeader(2), Buffer.from('\r\n'), Buffer.from('0\n'),
  ]);
  for (const size of [1, 2, 5, 13, wire.length]) {
    const events: string[] = [];
    let content = '';
    const reader = new CleanupFrameReader({
      begin: (m) => events.push(`begin ${m.sender}`),
      content: (c) => (content += c.toString()),
      end: () => {
        events.push(`end ${JSON.stringify(content)}`);
        content = '';
      },
    });
    for (let i = 0; i < wire.length; i += size) reader.push(wire.subarray(i, i + size));
    assert.deepEqual(events, ['begin s1@example.org', 'end "Hello, w"'], `paused after the first message (chunk ${size})`);
    reader.resume();
    assert.deepEqual(events.slice(2), ['begin s2@example.org', 'end "\\r\\n"'], `chunk ${size}`);
  }
  const bad = new CleanupFrameReader({ begin: () => undefined, content: () => undefined, end: () => undefined });
  assert.throws(() => bad.push(Buffer.from(`${JSON.stringify(beginOf())}\nx12\n`)), ProtocolError);
  assert.throws(() => bad.push(Buffer.from('{"type":"begin"}\n')), ProtocolError);
});

interface Served {
  kit: Kit;
  file: string;
  connections: number;
  close(): void;
}

async function serve(kit: Kit): Promise<Served> {
  const file = path.join(kit.dir, 'cleanup.sock');
  const s: Served = { kit, file, connections: 0, close: () => server.close() };
  const server = net.createServer((sock) => {
    s.connections++;
    serveConnection(sock, kit.deps);
  });
  await new Promise<void>((r) => server.listen(file, r));
  return s;
}

const incoming = (kit: Kit): string[] => fs.readdirSync(kit.spool.queuePath('incoming'));

async function waitFor(what: string, pred: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!pred()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

test('CleanupClient: several messages on one connection, queue ID before the content', async (t) => {
  const kit = cleanupKit();
  const srv = await serve(kit);
  t.after(() => {
    srv.close();
    kit.remove();
  });
  const client = new CleanupClient(srv.file, { timeoutMs: 5000 });
  t.after(() => client.close());
  const seen: string[] = [];
  const begin: CleanupBegin = beginOf({ flags: EXTERNAL });
  async function* content(): AsyncGenerator<Buffer> {
    seen.push('content');
    yield Buffer.from('Subject: one\r\n\r\n');
    yield Buffer.from('body\r\n');
  }
  const d1 = await client.submit(begin, content(), { onReady: (id) => seen.push(`ready ${id}`) });
  assert.equal(d1.status, 'ok');
  assert.deepEqual(seen, [`ready ${d1.queueId}`, 'content']);
  const id2 = await client.begin({ ...begin, sender: 'second@example.org' });
  await client.write('Subject: two\r\n\r\n');
  await client.write(Buffer.alloc(3 * 1024 * 1024, 0x61)); // split into several frames
  const d2 = await client.end();
  assert.deepEqual([d2.status, d2.queueId], ['ok', id2]);
  const d3 = await client.submit(beginOf({ flags: EXTERNAL, recipients: [] }), ['Subject: three\r\n\r\n']);
  assert.deepEqual([d3.status, d3.dsn], ['reject', '5.1.0']);
  assert.equal(srv.connections, 1, 'one connection for all three');
  assert.deepEqual(incoming(kit).sort(), [d1.queueId, id2].sort());
  const qf = readQueueFileSync(kit.spool.path('incoming', id2));
  assert.equal(qf.sender, 'second@example.org');
  assert.ok(qf.contentSize > 3 * 1024 * 1024);
  await assert.rejects(new CleanupClient(path.join(kit.dir, 'none.sock')).begin(begin), (e: NodeJS.ErrnoException) => e.code === 'ENOENT');
});

test('a kept connection that the server closed is replaced at the next begin', async (t) => {
  const kit = cleanupKit();
  const file = path.join(kit.dir, 'cleanup.sock');
  const socks: net.Socket[] = [];
  const server = net.createServer((sock) => {
    socks.push(sock);
    serveConnection(sock, kit.deps);
  });
  await new Promise<void>((r) => server.listen(file, r));
  const client = new CleanupClient(file, { timeoutMs: 5000 });
  t.after(() => {
    client.close();
    server.close();
    kit.remove();
  });
  assert.equal((await client.submit(beginOf({ flags: EXTERNAL }), ['Subject: 1\r\n\r\nx\r\n'])).status, 'ok');
  await new Promise((r) => setTimeout(r, 20));
  for (const s of socks) s.destroy(); // as a cleanup process leaving at max_idle would
  const d = await client.submit(beginOf({ flags: EXTERNAL }), ['Subject: 2\r\n\r\nx\r\n']);
  assert.equal(d.status, 'ok');
  assert.equal(socks.length, 2);
});

test('a client that disconnects or aborts mid-content leaves nothing in incoming/', async (t) => {
  const kit = cleanupKit();
  const srv = await serve(kit);
  t.after(() => {
    srv.close();
    kit.remove();
  });
  for (const size of [100, 2 * 1024 * 1024]) {
    const client = new CleanupClient(srv.file, { timeoutMs: 5000 });
    await client.begin(beginOf({ flags: EXTERNAL }));
    await client.write(`Subject: cut\r\n\r\n${'x'.repeat(size)}\r\n`);
    if (size > 1000) await waitFor('content on disk', () => incoming(kit).length === 1);
    client.close();
    await waitFor('incoming/ to be empty', () => incoming(kit).length === 0);
  }
  const ac = new AbortController();
  const client = new CleanupClient(srv.file);
  t.after(() => client.close());
  async function* slow(): AsyncGenerator<Buffer> {
    yield Buffer.from('Subject: aborted\r\n\r\n');
    ac.abort();
    yield Buffer.from('never');
  }
  await assert.rejects(client.submit(beginOf({ flags: EXTERNAL }), slow(), { signal: ac.signal }));
  await waitFor('incoming/ to be empty after abort', () => incoming(kit).length === 0);
  const d = await client.submit(beginOf({ flags: EXTERNAL }), ['Subject: after\r\n\r\nok\r\n']);
  assert.equal(d.status, 'ok', 'the client reconnects for the next message');
});

test('a 30 MB message streams through with bounded memory', async (t) => {
  const kit = cleanupKit('message_size_limit = 0\n');
  const srv = await serve(kit);
  t.after(() => {
    srv.close();
    kit.remove();
  });
  const line = Buffer.from('Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor.\r\n');
  const chunk = Buffer.concat(Array<Buffer>(800).fill(line)); // 64 KB, reused
  const total = 30 * 1024 * 1024;
  const used = (): number => {
    const m = process.memoryUsage();
    return m.heapUsed + m.arrayBuffers;
  };
  (globalThis as { gc?: () => void }).gc?.();
  const base = used();
  let peak = base;
  const timer = setInterval(() => (peak = Math.max(peak, used())), 5);
  async function* content(): AsyncGenerator<Buffer> {
    yield Buffer.from('Subject: big\r\n\r\n');
    for (let sent = 0; sent < total; sent += chunk.length) yield chunk;
  }
  const client = new CleanupClient(srv.file, { timeoutMs: 60_000 });
  const done = await client.submit(beginOf({ flags: EXTERNAL }), content());
  clearInterval(timer);
  client.close();
  assert.equal(done.status, 'ok');
  const qf = readQueueFileSync(kit.spool.path('incoming', done.queueId));
  assert.ok(qf.contentSize > total, `content ${qf.contentSize}`);
  const grew = (peak - base) / 1024 / 1024;
  t.diagnostic(`memory growth ${grew.toFixed(1)} MB`);
  assert.ok(grew < 24, `memory grew by ${grew.toFixed(1)} MB for a 30 MB message`);
});
