/*
 * session - one connection to an SMTP or LMTP server: connect (TCP or Unix socket)
 * within a time limit, write command batches (one write per batch, so pipelined
 * commands leave in one packet), read replies in order each within its own time limit,
 * write the message content with back-pressure, switch to TLS after STARTTLS, and QUIT.
 * Knows nothing of mail transactions (transaction.ts) or of handshakes (handshake.ts).
 * A session that failed (timeout, lost connection) is destroyed and stays unusable.
 */
import net from 'node:net';
import tls from 'node:tls';
import { ReplyParser, type Capabilities, type Reply } from './reply.js';

/** Where a session goes. */
export interface Endpoint {
  /** Host name for logs: the MX host, the next-hop host, or $myhostname for a Unix socket. */
  host: string;
  /** IP address, or the socket path. */
  addr: string;
  /** TCP port; undefined for a Unix socket. */
  port?: number;
}

/** endpointName - `host[addr]` as in `host mx.example.net[127.0.0.2] said: ...`. */
export function endpointName(e: Endpoint): string {
  return `${e.host}[${e.addr}]`;
}

/** relayName - the relay= of the log line: `host[addr]:port`, or `host[path]`. */
export function relayName(e: Endpoint): string {
  return e.port === undefined ? endpointName(e) : `${endpointName(e)}:${e.port}`;
}

/** A connection that broke while waiting for `stage` (a reply, a write). */
export class SessionLost extends Error {
  constructor(
    readonly stage: string,
    readonly timedOut: boolean,
    /** No byte was received after this request: a cached connection the server had closed. */
    readonly silent: boolean,
  ) {
    super(timedOut ? `timed out while ${stage}` : `lost connection while ${stage}`);
    this.name = 'SessionLost';
  }
}


interface Waiter {
  resolve(r: Reply): void;
  reject(e: Error): void;
  stage: string;
}

export class Session {
  /** EHLO/LHLO capabilities (empty after HELO). */
  caps: Capabilities = new Map();
  /** The server's name from its EHLO/HELO reply (loop detection). */
  serverName = '';
  /** Set once STARTTLS succeeded: the server certificate was verified (SASL options) and the policy it was made under. */
  tls: { verified: boolean } | undefined;
  /** The TLS policy signature and SASL user this connection was set up with (connection cache). */
  setup = '';
  /** The next-hop destination this connection serves (as written). */
  destination = '';
  /** The connection may go to the connection cache (not TLS unless the policy allows TLS connection reuse). */
  cacheable = true;
  /** Mail transactions completed on this connection. */
  uses = 0;
  readonly createdAt = Date.now();
  private sock: net.Socket;
  private parser = new ReplyParser();
  private readonly replies: Reply[] = [];
  private waiter: Waiter | undefined;
  private timer: NodeJS.Timeout | undefined;
  private dead: SessionLost | undefined;
  private closeHooks: (() => void)[] = [];
  /** Bytes received since the last send (a silent server). */
  private heard = false;

  private constructor(readonly endpoint: Endpoint, sock: net.Socket) {
    this.sock = sock;
    this.attach(sock);
  }

  /** connect - open a connection within `timeoutSec` (0: the system's limit). */
  static connect(endpoint: Endpoint, timeoutSec: number): Promise<Session> {
    return new Promise((resolve, reject) => {
      const sock = endpoint.port === undefined
        ? net.connect({ path: endpoint.addr })
        : net.connect({ host: endpoint.addr, port: endpoint.port, noDelay: true });
      let timer: NodeJS.Timeout | undefined;
      const fail = (err: NodeJS.ErrnoException): void => {
        if (timer) clearTimeout(timer);
        sock.destroy();
        reject(err);
      };
      if (timeoutSec > 0) {
        timer = setTimeout(() => fail(Object.assign(new Error('Connection timed out'), { code: 'ETIMEDOUT' })), timeoutSec * 1000);
      }
      sock.once('error', fail);
      sock.once('connect', () => {
        if (timer) clearTimeout(timer);
        sock.removeListener('error', fail);
        resolve(new Session(endpoint, sock));
      });
    });
  }

  /** alive - usable for another command. */
  get alive(): boolean {
    return !this.dead && !this.sock.destroyed;
  }

  /** isTcp - an Internet connection (STARTTLS makes sense). */
  get isTcp(): boolean {
    return this.endpoint.port !== undefined;
  }

  /** onClose - run `fn` once when the connection goes away. */
  onClose(fn: () => void): void {
    if (!this.alive) fn();
    else this.closeHooks.push(fn);
  }

  /** send - write command lines (CRLF added) in one write. */
  send(lines: readonly string[]): void {
    this.heard = false;
    if (this.alive) this.sock.write(lines.length === 1 ? `${lines[0]}\r\n` : `${lines.join('\r\n')}\r\n`);
  }

  /** write - raw bytes (message content); resolves when the socket can take more. */
  async write(buf: Buffer, timeoutSec: number, stage: string): Promise<void> {
    if (!this.alive) throw this.dead ?? new SessionLost(stage, false, false);
    if (this.sock.write(buf)) return;
    await new Promise<void>((resolve, reject) => {
      const timer = timeoutSec > 0 ? setTimeout(() => done(new SessionLost(stage, true, false)), timeoutSec * 1000) : undefined;
      const done = (err?: Error): void => {
        if (timer) clearTimeout(timer);
        this.sock.removeListener('drain', onDrain);
        this.sock.removeListener('close', onClose);
        if (err) {
          this.kill(err as SessionLost);
          reject(err);
        } else resolve();
      };
      const onDrain = (): void => done();
      const onClose = (): void => done(this.dead ?? new SessionLost(stage, false, false));
      this.sock.on('drain', onDrain);
      this.sock.on('close', onClose);
    });
  }

  /** reply - the next reply, within `timeoutSec` (0: no limit). */
  reply(timeoutSec: number, stage: string): Promise<Reply> {
    const r = this.replies.shift();
    if (r) return Promise.resolve(r);
    if (this.dead) return Promise.reject(new SessionLost(stage, this.dead.timedOut, !this.heard));
    return new Promise((resolve, reject) => {
      this.waiter = { resolve, reject, stage };
      if (timeoutSec > 0) this.timer = setTimeout(() => this.kill(new SessionLost(stage, true, false)), timeoutSec * 1000);
    });
  }

  /**
   * startTls - upgrade the connection (after a 220 to STARTTLS). The handshake never
   * fails on the certificate: the caller judges it (tls.ts) against its policy.
   */
  async startTls(options: tls.ConnectionOptions, timeoutSec: number): Promise<tls.TLSSocket> {
    const raw = this.sock;
    this.detach(raw);
    // Whatever came in clear after the 220 is an injection attempt (CVE-2011-0411's client side): drop it.
    this.replies.length = 0;
    this.parser = new ReplyParser();
    raw.on('error', () => {}); // the TLS socket reports it; an unheard 'error' would kill the process
    const secure = tls.connect({
      ...options, socket: raw, rejectUnauthorized: false, checkServerIdentity: () => undefined,
    });
    await new Promise<void>((resolve, reject) => {
      const timer = timeoutSec > 0 ? setTimeout(() => fail(new Error('TLS handshake timed out')), timeoutSec * 1000) : undefined;
      const fail = (err: Error): void => {
        if (timer) clearTimeout(timer);
        secure.destroy();
        raw.destroy();
        this.kill(new SessionLost('performing the TLS handshake', false, false));
        reject(err);
      };
      secure.once('error', fail);
      secure.once('secureConnect', () => {
        if (timer) clearTimeout(timer);
        secure.removeListener('error', fail);
        resolve();
      });
    });
    this.sock = secure;
    this.attach(secure);
    return secure;
  }

  /** quit - say QUIT (without waiting, as smtp_skip_quit_response = yes) and close. */
  quit(): void {
    if (this.alive) {
      this.sock.end('QUIT\r\n');
      const s = this.sock;
      setTimeout(() => s.destroy(), 5000).unref();
    }
    this.kill(new SessionLost('closing the connection', false, false), false);
  }

  /** close - drop the connection at once. */
  close(): void {
    this.kill(new SessionLost('closing the connection', false, false));
  }

  private attach(sock: net.Socket): void {
    sock.on('data', this.onData);
    sock.on('error', this.onError);
    sock.on('close', this.onEnd);
  }

  private detach(sock: net.Socket): void {
    sock.removeListener('data', this.onData);
    sock.removeListener('error', this.onError);
    sock.removeListener('close', this.onEnd);
  }

  private readonly onData = (chunk: Buffer): void => {
    this.heard = true;
    for (const r of this.parser.push(chunk)) {
      const w = this.waiter;
      if (w) {
        this.waiter = undefined;
        if (this.timer) clearTimeout(this.timer);
        w.resolve(r);
      } else {
        this.replies.push(r);
      }
    }
  };

  private readonly onError = (): void => {
    // 'close' follows and reports it.
  };

  private readonly onEnd = (): void => {
    this.kill(new SessionLost(this.waiter?.stage ?? 'waiting for the server', false, !this.heard));
  };

  private kill(err: SessionLost, destroy = true): void {
    if (this.timer) clearTimeout(this.timer);
    if (!this.dead) this.dead = err;
    const w = this.waiter;
    this.waiter = undefined;
    if (destroy && !this.sock.destroyed) this.sock.destroy();
    if (w) w.reject(new SessionLost(w.stage, err.timedOut, !this.heard));
    const hooks = this.closeHooks;
    this.closeHooks = [];
    for (const fn of hooks) fn();
  }
}
