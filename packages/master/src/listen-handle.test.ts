/*
 * The socket hand-off master depends on, checked against this Node: the internal
 * net._createServerHandle still exists, binds without listening (so master never accepts),
 * and a child that inherits the fd serves the connections; with no child, connections
 * wait in the backlog for the next one. If Node changes any of this, this test fails.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { BindError, bindTcp, bindUnix, type BoundSocket } from './listen-handle.js';

const CHILD = `
const net = require('node:net');
const s = net.createServer((c) => { c.end('served by ' + process.pid + '\\n'); s.close(); });
s.listen({ fd: 3 }, () => process.send('listening'));
`;

/** serveOnce - a child that listens on the socket, answers one client, exits. */
function serveOnce(sock: BoundSocket): Promise<number> {
  const child = spawn(process.execPath, ['-e', CHILD], { stdio: ['ignore', 'ignore', 'inherit', sock.fd, 'ipc'] });
  return new Promise((resolve, reject) => {
    child.once('message', () => resolve(child.pid as number));
    child.once('error', reject);
  });
}

function connect(target: { port: number } | { path: string }): Promise<string> {
  return new Promise((resolve, reject) => {
    const c = 'port' in target ? net.connect(target.port, '127.0.0.1') : net.connect(target.path);
    let data = '';
    c.setEncoding('utf8');
    c.on('data', (d: string) => (data += d));
    c.on('end', () => resolve(data));
    c.on('error', reject);
  });
}

test('net._createServerHandle is still there', () => {
  assert.equal(typeof (net as unknown as Record<string, unknown>)._createServerHandle, 'function');
});

test('a bound TCP socket refuses until a child listens; the child serves; the backlog waits for the next', async () => {
  const sock = bindTcp('127.0.0.1', 0, 4);
  try {
    assert.ok(sock.fd > 2 && sock.port > 0);
    assert.equal(sock.name, `127.0.0.1:${sock.port}`);
    await assert.rejects(connect({ port: sock.port }), /ECONNREFUSED/, 'bound is not listening: master accepts nothing');
    const first = await serveOnce(sock);
    assert.equal(await connect({ port: sock.port }), `served by ${first}\n`);
    // The first child is gone or going; this client waits in the backlog for the next one.
    const waiting = connect({ port: sock.port });
    await new Promise((r) => setTimeout(r, 200));
    const second = await serveOnce(sock);
    assert.equal(await waiting, `served by ${second}\n`);
  } finally {
    sock.close();
  }
});

test('a Unix socket is handed off the same way', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mailroom-handle-'));
  const file = path.join(dir, 'svc');
  const sock = bindUnix(file);
  try {
    assert.ok(fs.statSync(file).isSocket());
    const pid = await serveOnce(sock);
    assert.equal(await connect({ path: file }), `served by ${pid}\n`);
  } finally {
    sock.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('a port another process listens on is a BindError with errno code', async () => {
  const other = net.createServer();
  await new Promise<void>((r) => other.listen(0, '127.0.0.1', r));
  const { port } = other.address() as net.AddressInfo;
  try {
    assert.throws(() => bindTcp('127.0.0.1', port, 4), (err: unknown) => err instanceof BindError && err.code === 'EADDRINUSE');
  } finally {
    other.close();
  }
});
