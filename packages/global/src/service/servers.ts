/*
 * service/servers - the three daemon shapes of Postfix, on the one skeleton:
 *   multiServer    many clients per process at once (smtpd, cleanup, trivial-rewrite);
 *   singleServer   one client per process as far as master is concerned (delivery agents):
 *                  busy with one client means saturated, so master adds processes up to maxproc;
 *   triggerServer  short one-way requests (pickup, qmgr): bytes in, no reply, handled in order.
 * A daemon's main is its hooks and one of these calls.
 */
import type net from 'node:net';
import { runService, type ServiceContext, type ServiceHooks, type ServiceRuntime } from './skeleton.js';

export interface ConnectionService extends ServiceHooks {
  /** Serve one connection; the client counts as done when the socket closes. */
  onConnection(sock: net.Socket, ctx: ServiceContext): void | Promise<void>;
}

export interface TriggerService extends ServiceHooks {
  /** Handle one trigger (e.g. `W`, or `FADI` from postfix flush); the next waits for it. */
  onTrigger(data: Buffer, ctx: ServiceContext): void | Promise<void>;
}

/** The most a trigger request may carry (Postfix reads one small buffer). */
const MAX_TRIGGER = 1024;

function serveConnection(svc: ConnectionService, sock: net.Socket, rt: ServiceRuntime): void {
  sock.once('close', () => rt.done());
  sock.on('error', (err) => rt.log.debug(`client: ${err.message}`));
  Promise.resolve()
    .then(() => svc.onConnection(sock, rt))
    .catch((err: Error) => {
      rt.log.error(`error: ${svc.name}: ${err.stack ?? err.message}`);
      sock.destroy();
    });
}

/** multiServer - run a daemon that serves many connections per process. */
export function multiServer(svc: ConnectionService): Promise<ServiceRuntime> {
  return runService(svc, 'multi', (sock, rt) => serveConnection(svc, sock, rt));
}

/** singleServer - run a daemon whose process is busy with one client at a time. */
export function singleServer(svc: ConnectionService): Promise<ServiceRuntime> {
  return runService(svc, 'single', (sock, rt) => serveConnection(svc, sock, rt));
}

/** triggerServer - run a daemon woken by one-byte triggers and master's wakeup timer. */
export function triggerServer(svc: TriggerService): Promise<ServiceRuntime> {
  let queue: Promise<void> = Promise.resolve();
  return runService(svc, 'trigger', (sock, rt) => {
    const parts: Buffer[] = [];
    let size = 0;
    sock.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_TRIGGER) parts.push(chunk);
    });
    sock.on('error', () => sock.destroy());
    let handled = false;
    const handle = (): void => {
      if (handled) return;
      handled = true;
      const data = Buffer.concat(parts);
      if (size > MAX_TRIGGER) rt.log.warn(`trigger request too long (${size} bytes): truncated`);
      queue = queue
        .then(() => (data.length > 0 ? svc.onTrigger(data, rt) : undefined))
        .catch((err: Error) => rt.log.error(`error: ${svc.name}: ${err.stack ?? err.message}`))
        .finally(() => rt.done());
      sock.destroy();
    };
    sock.on('end', handle);
    sock.on('close', handle);
  });
}
