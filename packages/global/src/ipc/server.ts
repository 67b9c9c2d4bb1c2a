/*
 * ipc/server - the server side of an internal request/reply protocol: read JSON lines
 * from one accepted connection, run the handler, write replies in request order (a
 * client may pipeline). A malformed request ends the connection with a warning.
 * Used by daemons from their skeleton connection handler.
 */
import type net from 'node:net';
import type { Logger } from '../log.js';
import type { Codec } from './codec.js';
import { LineSplitter } from './lines.js';

export type IpcHandler<Req, Rep> = (req: Req) => Rep | Promise<Rep>;

/** serveIpc - answer requests on `sock` until the client closes it; resolves then. */
export function serveIpc<Req, Rep>(
  sock: net.Socket,
  req: Codec<Req>,
  rep: Codec<Rep>,
  handler: IpcHandler<Req, Rep>,
  log?: Logger,
): Promise<void> {
  return new Promise((resolve) => {
    let chain: Promise<unknown> = Promise.resolve();
    const abort = (why: string): void => {
      log?.warn(`${req.name}: ${why}`);
      sock.destroy();
    };
    const splitter = new LineSplitter((line) => {
      let msg: Req;
      try {
        msg = req.decode(line);
      } catch (err) {
        abort((err as Error).message);
        return;
      }
      // Start work at once, but write replies in the order the requests came.
      const work = Promise.resolve().then(() => handler(msg));
      chain = chain.then(() => work).then(
        (r) => {
          if (!sock.destroyed) sock.write(rep.encode(r));
        },
        (err: Error) => abort(`request failed: ${err.message}`),
      );
    });
    sock.on('data', (chunk: Buffer) => {
      try {
        splitter.push(chunk);
      } catch (err) {
        abort((err as Error).message);
      }
    });
    sock.on('end', () => {
      void chain.then(() => sock.end());
    });
    sock.on('error', () => sock.destroy());
    sock.on('close', () => resolve());
  });
}
