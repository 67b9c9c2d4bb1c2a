/*
 * ipc/client - the client side of an internal request/reply protocol over a Unix stream
 * socket (`$queue_directory/private/NAME` or `public/NAME`): one JSON line per request,
 * one per reply, replies in request order. Keeps the connection for the next request, as
 * Postfix's clnt_stream does: closed after `ipc_idle` without traffic and after `ipc_ttl`;
 * each reply must arrive within `ipc_timeout`. Reads: ipc_timeout, ipc_idle, ipc_ttl.
 */
import net from 'node:net';
import type { Config } from '../config/types.js';
import type { Codec } from './codec.js';
import { LineSplitter } from './lines.js';

export interface IpcClientOptions {
  /** Time allowed for one reply (ms); default 3600 s (ipc_timeout). */
  timeoutMs?: number;
  /** Close the connection after this long without requests (ms); default 5 s (ipc_idle). */
  idleMs?: number;
  /** Close the connection after this long in any case (ms); default 1000 s (ipc_ttl). */
  ttlMs?: number;
}

/** ipcOptions - client options from ipc_timeout, ipc_idle and ipc_ttl. */
export function ipcOptions(config: Config): Required<IpcClientOptions> {
  return {
    timeoutMs: config.getTime('ipc_timeout') * 1000,
    idleMs: config.getTime('ipc_idle') * 1000,
    ttlMs: config.getTime('ipc_ttl') * 1000,
  };
}

/** A failed internal request: connect refused, timeout, peer closed. `code` is errno-like. */
export class IpcError extends Error {
  constructor(
    message: string,
    readonly code: string,
  ) {
    super(message);
    this.name = 'IpcError';
  }
}

interface Pending<Rep> {
  resolve(rep: Rep): void;
  reject(err: Error): void;
}

/** IpcClient - a reusable connection to one service; requests may be pipelined. */
export class IpcClient<Req, Rep> {
  private sock: net.Socket | undefined;
  private pending: Pending<Rep>[] = [];
  private timer: NodeJS.Timeout | undefined;
  private born = 0;
  private readonly opts: Required<IpcClientOptions>;

  constructor(
    readonly path: string,
    private readonly req: Codec<Req>,
    private readonly rep: Codec<Rep>,
    opts: IpcClientOptions = {},
  ) {
    this.opts = { timeoutMs: 3_600_000, idleMs: 5_000, ttlMs: 1_000_000, ...opts };
  }

  /** request - send one request and wait for its reply. */
  request(msg: Req): Promise<Rep> {
    const line = this.req.encode(msg);
    const sock = this.connection();
    return new Promise<Rep>((resolve, reject) => {
      this.pending.push({ resolve, reject });
      this.arm();
      sock.write(line);
    });
  }

  /** close - drop the connection; outstanding requests fail. */
  close(): void {
    this.fail(new IpcError(`${this.path}: connection closed`, 'ECONNRESET'));
  }

  private connection(): net.Socket {
    if (this.sock && Date.now() - this.born > this.opts.ttlMs && this.pending.length === 0) this.close();
    if (this.sock) return this.sock;
    const sock = net.createConnection(this.path);
    const splitter = new LineSplitter((l) => this.onLine(l));
    sock.on('data', (chunk: Buffer) => {
      try {
        splitter.push(chunk);
      } catch (err) {
        this.fail(err as Error);
      }
    });
    sock.on('error', (err: NodeJS.ErrnoException) => {
      this.fail(new IpcError(`connect to ${this.path}: ${err.message}`, err.code ?? 'EIO'));
    });
    sock.on('close', () => {
      if (this.sock === sock) this.fail(new IpcError(`${this.path}: connection closed by peer`, 'ECONNRESET'));
    });
    this.sock = sock;
    this.born = Date.now();
    return sock;
  }

  private onLine(line: string): void {
    const p = this.pending.shift();
    if (!p) {
      this.fail(new IpcError(`${this.path}: unexpected reply`, 'EPROTO'));
      return;
    }
    try {
      p.resolve(this.rep.decode(line));
    } catch (err) {
      p.reject(err as Error);
      this.fail(err as Error); // the stream can no longer be trusted
    }
    this.arm();
  }

  /** arm - the reply timer while requests are out, the idle timer when none are. */
  private arm(): void {
    if (this.timer) clearTimeout(this.timer);
    // An idle kept connection must not keep the process alive.
    if (this.pending.length > 0) this.sock?.ref();
    else this.sock?.unref();
    if (this.pending.length > 0) {
      this.timer = setTimeout(
        () => this.fail(new IpcError(`${this.path}: timeout after ${this.opts.timeoutMs / 1000}s`, 'ETIMEDOUT')),
        this.opts.timeoutMs,
      );
    } else {
      this.timer = setTimeout(() => this.close(), this.opts.idleMs);
      this.timer.unref();
    }
  }

  private fail(err: Error): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    const sock = this.sock;
    this.sock = undefined;
    sock?.destroy();
    const pending = this.pending;
    this.pending = [];
    for (const p of pending) p.reject(err);
  }
}

/** ipcRequest - one request on a fresh connection, then close it. */
export async function ipcRequest<Req, Rep>(
  path: string,
  req: Codec<Req>,
  rep: Codec<Rep>,
  msg: Req,
  opts: IpcClientOptions = {},
): Promise<Rep> {
  const client = new IpcClient(path, req, rep, opts);
  try {
    return await client.request(msg);
  } finally {
    client.close();
  }
}
