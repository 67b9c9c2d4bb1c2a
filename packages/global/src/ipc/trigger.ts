/*
 * ipc/trigger - one-byte requests written to a service's socket, as Postfix's
 * mail_trigger(): connect, write, close; no reply. Used by master's wakeup timers,
 * `postfix flush`, pickup/cleanup (wake qmgr) and postdrop (wake pickup).
 * Socket names are `private/NAME` or `public/NAME` under $queue_directory.
 */
import net from 'node:net';
import path from 'node:path';
import { IpcError } from './client.js';

/** Generic wakeup, sent by master's wakeup timers (Postfix TRIGGER_REQ_WAKEUP). */
export const TRIGGER_WAKEUP = 'W';

/** Requests the queue manager understands (Postfix qmgr's QMGR_REQ_*). */
export const QMGR_REQ = {
  /** Scan the deferred queue now. */
  SCAN_DEFERRED: 'D',
  /** Scan the incoming queue now. */
  SCAN_INCOMING: 'I',
  /** Forget dead destinations (flush). */
  FLUSH_DEAD: 'F',
  /** Ignore deferred mail's retry times on the next scan. */
  SCAN_ALL: 'A',
  /** First byte of `S<site>\n` (postqueue -s): deliver the site's deferred mail now. */
  FLUSH_SITE: 'S',
  /** First byte of `Q<queue ID>\n` (postqueue -i): deliver this deferred message now. */
  FLUSH_FILE: 'Q',
} as const;

/** siteFlushTrigger - the request of `postqueue -s SITE` (Postfix's flush_send_site). */
export function siteFlushTrigger(site: string): string {
  return `${QMGR_REQ.FLUSH_SITE}${site}\n`;
}

/** fileFlushTrigger - the request of `postqueue -i ID` (Postfix's flush_send_file). */
export function fileFlushTrigger(queueId: string): string {
  return `${QMGR_REQ.FLUSH_FILE}${queueId}\n`;
}

/** What `postfix flush` / `postqueue -f` send to qmgr (Postfix mail_flush_deferred). */
export const FLUSH_TRIGGER = QMGR_REQ.FLUSH_DEAD + QMGR_REQ.SCAN_ALL + QMGR_REQ.SCAN_DEFERRED + QMGR_REQ.SCAN_INCOMING;

/** Where a trigger goes: a Unix socket path, or host and port for an inet service. */
export type TriggerTarget = string | { host: string; port: number };

/** servicePath - the socket of `class/name` (e.g. `public/qmgr`) under the queue directory. */
export function servicePath(queueDir: string, service: string): string {
  return path.join(queueDir, service);
}

/** sendTrigger - connect to `target`, write `data`, close; rejects with IpcError. */
export function sendTrigger(target: TriggerTarget, data: string | Buffer, timeoutMs = 10_000): Promise<void> {
  const where = typeof target === 'string' ? target : `${target.host}:${target.port}`;
  return new Promise((resolve, reject) => {
    const sock = typeof target === 'string' ? net.createConnection(target) : net.createConnection(target.port, target.host);
    const timer = setTimeout(() => {
      sock.destroy();
      reject(new IpcError(`trigger ${where}: timeout after ${timeoutMs / 1000}s`, 'ETIMEDOUT'));
    }, timeoutMs);
    sock.on('error', (err: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      reject(new IpcError(`trigger ${where}: ${err.message}`, err.code ?? 'EIO'));
    });
    sock.on('connect', () => sock.end(data));
    sock.on('close', (hadError) => {
      clearTimeout(timer);
      if (!hadError) resolve();
    });
    sock.resume(); // a trigger server sends nothing back; drain in case it does
  });
}

/** triggerService - send `data` to `$queue_directory/<service>` (e.g. `public/qmgr`). */
export function triggerService(queueDir: string, service: string, data: string | Buffer, timeoutMs?: number): Promise<void> {
  return sendTrigger(servicePath(queueDir, service), data, timeoutMs);
}
