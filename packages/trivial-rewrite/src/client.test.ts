/* RewriteClient against the real handler on a Unix socket: answers, caching, reconnecting after the server closed. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { IpcError, loadConfig, RewriteClient } from '@mailroom/global';
import { RewriteService } from './service.js';
import { BASE, engineFor } from './testing.js';

interface Srv {
  file: string;
  /** Requests that reached the server. */
  count(): number;
  /** Close every client connection, as a daemon that exits at max_idle does. */
  dropAll(): void;
}

async function withServer(fn: (srv: Srv) => Promise<void>): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mailroom-rewrite-clnt-'));
  fs.mkdirSync(path.join(dir, 'private'));
  const file = path.join(dir, 'private', 'rewrite');
  const engine = await engineFor();
  const svc = new RewriteService(engine, undefined, { cacheTtlMs: 0 });
  let requests = 0;
  const socks = new Set<net.Socket>();
  const server = net.createServer((sock) => {
    socks.add(sock);
    sock.on('close', () => socks.delete(sock));
    sock.on('data', (d: Buffer) => (requests += d.toString().split('\n').length - 1));
    void svc.serve(sock);
  });
  await new Promise<void>((r) => server.listen(file, r));
  try {
    await fn({ file, count: () => requests, dropAll: () => socks.forEach((s) => s.destroy()) });
  } finally {
    server.close();
    engine.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

test('RewriteClient.fromConfig uses $queue_directory/private/$rewrite_service_name', () => {
  const config = loadConfig({ configDir: path.join(os.tmpdir(), 'no-such'), overrides: { ...BASE, queue_directory: '/q', rewrite_service_name: 'rw' } });
  assert.equal(RewriteClient.fromConfig(config).path, '/q/private/rw');
});

test('rewrite and resolve over the socket; answers are cached by the client', () =>
  withServer(async ({ file, count }) => {
    const client = new RewriteClient(file, { timeoutMs: 5000 });
    assert.equal(await client.rewrite('local', 'user'), 'user@example.com');
    assert.equal(await client.rewrite('remote', 'user'), 'user');
    const r = await client.resolve('', 'u@remote.example');
    assert.deepEqual(r, { op: 'resolve', class: 'default', transport: 'smtp', nexthop: 'remote.example', recipient: 'u@remote.example', flags: 0 });
    const same = await Promise.all([client.resolve('', 'u@remote.example'), client.rewrite('local', 'user')]);
    assert.equal(same[0], r);
    assert.equal(count(), 3, 'three requests reached the server');
    client.flush();
    await client.resolve('', 'u@remote.example');
    assert.equal(count(), 4);
    client.close();
  }));

test('a connection the server dropped is replaced; a missing service rejects with IpcError', () =>
  withServer(async ({ file, count, dropAll }) => {
    const client = new RewriteClient(file, { timeoutMs: 5000, cacheTtlMs: 0 });
    assert.equal(await client.rewrite('local', 'a'), 'a@example.com');
    dropAll();
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(await client.rewrite('local', 'b'), 'b@example.com');
    // dropped while the request is on its way: retried once on a new connection
    const pending = client.rewrite('local', 'c');
    dropAll();
    assert.equal(await pending, 'c@example.com');
    assert.ok(count() >= 3);
    client.close();
    const gone = new RewriteClient(`${file}-none`, { timeoutMs: 1000 });
    await assert.rejects(gone.resolve('', 'x@y.example'), (e: unknown) => e instanceof IpcError && e.code === 'ENOENT');
  }));
