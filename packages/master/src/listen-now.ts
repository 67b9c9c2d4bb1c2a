/*
 * listen-now - put master's bound sockets into the listening state before any daemon
 * starts. Master binds without listening (listen-handle.ts: it must never accept), so a
 * socket would refuse connections until the first process of its service called
 * listen(); at startup that raced with other daemons' first connections (qmgr to a
 * delivery agent, cleanup to trivial-rewrite) and deferred mail as "mail transport
 * unavailable". Postfix's master calls listen() itself. Here a short-lived helper
 * process inherits the sockets, calls listen() on each and closes its copies in one
 * synchronous run: no event-loop turn passes, so it never accepts a connection, and the
 * sockets stay listening in master and in every daemon it starts.
 */
import { spawn } from 'node:child_process';
import type { BoundSocket } from './listen-handle.js';

/** The helper: fds 3.. are the sockets; listen and close each before the loop ever runs. */
const HELPER = `
const net = require('node:net');
const n = Number(process.argv[1]);
for (let i = 0; i < n; i++) {
  const server = net.createServer();
  server.on('error', (err) => { process.stderr.write('listen on fd ' + (3 + i) + ': ' + err.message + '\\n'); process.exitCode = 1; });
  server.listen({ fd: 3 + i, backlog: 511 });
  server.close();
}
`;

/** listenNow - make `socks` listen; resolves with an error text when the helper failed. */
export function listenNow(socks: readonly BoundSocket[]): Promise<string | undefined> {
  if (socks.length === 0) return Promise.resolve(undefined);
  return new Promise((resolve) => {
    let stderr = '';
    const helper = spawn(process.execPath, ['-e', HELPER, String(socks.length)], {
      stdio: ['ignore', 'ignore', 'pipe', ...socks.map((s) => s.fd)],
    });
    helper.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
    helper.on('error', (err) => resolve(err.message));
    helper.on('exit', (code, signal) => resolve(code === 0 ? undefined : (stderr.trim() || `exit ${code ?? signal}`)));
  });
}
