/*
 * server - one client connection of cleanup: read the framed stream (protocols/
 * cleanup.ts), run one CleanupSession per message, answer `ready` at once and `done`
 * after the queue file is committed or removed, then take the next message on the
 * same connection. A client that goes away before the end of a message leaves
 * nothing behind; a malformed stream ends the connection with a warning.
 * Used by main.ts.
 */
import type net from 'node:net';
import { CleanupFrameReader, cleanupDoneCodec, cleanupReadyCodec } from '@mailroom/global';
import { CleanupSession, type SessionDeps } from './session.js';

/**
 * serveConnection - serve messages on `sock` until the client closes it; a client silent
 * for `timeoutMs` (ipc_timeout) is dropped, its unfinished message removed.
 */
export function serveConnection(sock: net.Socket, deps: SessionDeps, timeoutMs = 3_600_000): void {
  sock.setTimeout(timeoutMs, () => sock.destroy());
  let session: CleanupSession | undefined;
  let finishing = false;
  const reader = new CleanupFrameReader({
    begin(msg) {
      session = new CleanupSession(deps, msg);
      sock.write(cleanupReadyCodec.encode({ type: 'ready', queueId: session.queueId }));
    },
    content(chunk) {
      const s = session as CleanupSession;
      if (!s.write(chunk)) {
        sock.pause();
        s.onDrain(() => sock.resume());
      }
    },
    end() {
      const s = session as CleanupSession;
      finishing = true;
      s.finish(() => sock.destroyed)
        .then((done) => {
          session = undefined;
          finishing = false;
          if (sock.destroyed) return;
          sock.write(cleanupDoneCodec.encode(done));
          reader.resume();
        })
        .catch((err: Error) => {
          deps.log.error(`${s.queueId}: ${err.stack ?? err.message}`);
          sock.destroy();
        });
    },
  });
  sock.on('data', (chunk: Buffer) => {
    try {
      reader.push(chunk);
    } catch (err) {
      deps.log.warn(`${session ? `${session.queueId}: ` : ''}malformed request from client: ${(err as Error).message}`);
      sock.destroy();
    }
  });
  sock.on('error', () => sock.destroy());
  sock.on('close', () => {
    // Gone before the end of a message: remove what was written (finish() checks itself).
    if (session && !finishing) void session.abort();
  });
}
