/*
 * protocols/cleanup - how smtpd, pickup, bounce and postsuper -r hand a message to
 * cleanup over `$queue_directory/public/$cleanup_service_name` (a Unix stream socket;
 * cleanup is `private = n` in master.cf, as in Postfix). One connection may carry
 * several messages, one after another:
 *
 *   client:  CleanupBegin as one JSON line
 *   cleanup: CleanupReady as one JSON line (the queue ID is known from here on)
 *   client:  the raw message content (headers + body, CRLF or LF, already
 *            dot-unstuffed) as frames: `<decimal byte count>\n<bytes>`, ended by `0\n`
 *   cleanup: CleanupDone as one JSON line, sent only after the queue file is complete
 *            and fsynced (status ok) or removed (any other status)
 * Closing the connection before `0\n` aborts the message: nothing stays in the queue.
 *
 * Both ends use the codecs below. The client side is CleanupClient (smtpd, pickup,
 * bounce); the server side is CleanupFrameReader (cleanup). Reads (CleanupClient.fromConfig):
 * queue_directory, cleanup_service_name, ipc_timeout, ipc_idle.
 */
import net from 'node:net';
import path from 'node:path';
import type { Config } from '../config/types.js';
import { IpcError } from '../ipc/client.js';
import { arrayOf, bool, defineCodec, int, literal, object, optional, ProtocolError, recordOf, str } from '../ipc/codec.js';
import { LineSplitter, MAX_LINE } from '../ipc/lines.js';

/** Bits of CleanupBegin.flags (Postfix's CLEANUP_FLAG_*, the ones we use). */
export const CLEANUP_FLAG = {
  /** Bounce on rejection (pickup, bounce) instead of reporting it to the client. */
  BOUNCE: 1 << 0,
  /** Apply header_checks and body_checks. */
  FILTER: 1 << 1,
  /** Put the message on hold. */
  HOLD: 1 << 2,
  /** Discard the message. */
  DISCARD: 1 << 3,
  /** Apply canonical and virtual alias mapping. */
  MAP_OK: 1 << 4,
  /** Extract recipients from To/Cc/Bcc (sendmail -t). */
  EXTRACT_RECIPIENTS: 1 << 5,
  /** Local submission: add From/Date/Message-ID freely (as for sendmail and pickup). */
  LOCAL_SUBMISSION: 1 << 6,
  /** Add automatic BCC recipients (always_bcc, sender_bcc_maps, recipient_bcc_maps). */
  BCC_OK: 1 << 7,
} as const;

/** Flags for mail from outside (Postfix's CLEANUP_FLAG_MASK_EXTERNAL): smtpd, pickup. */
export const CLEANUP_FLAG_MASK_EXTERNAL = CLEANUP_FLAG.FILTER | CLEANUP_FLAG.MAP_OK | CLEANUP_FLAG.BCC_OK;
/** Flags for mail Mailroom writes itself (Postfix's CLEANUP_FLAG_MASK_INTERNAL): bounce notices. */
export const CLEANUP_FLAG_MASK_INTERNAL = CLEANUP_FLAG.MAP_OK;

const recipient = object({
  /** Internal form. */
  address: str,
  /** The recipient as first received (X-Original-To, orig_to=): local keeps it when forwarding. */
  original: optional(str),
  /** DSN ORCPT (`rfc822;addr`), as received. */
  orcpt: optional(str),
  /** DSN NOTIFY mask: NEVER 1, SUCCESS 2, DELAY 4, FAILURE 8. */
  notify: optional(int),
});
export type CleanupRecipient = ReturnType<typeof recipient>;

const begin = object({
  type: literal('begin'),
  flags: int,
  /** Envelope sender, internal form; '' is the null sender. */
  sender: str,
  recipients: arrayOf(recipient),
  /** Arrival time, ms since the epoch. */
  arrivalTime: optional(int),
  /** Client facts for Received: and logs: client_name, client_address, client_port,
   *  helo_name, protocol (SMTP/ESMTP/ESMTPS/ESMTPSA/LMTP/...), sasl_method, sasl_username,
   *  tls (`TLSv1.3 with cipher ...`), origin (`local` for sendmail), submit_uid, submit_user,
   *  rewrite_context (`local`/`remote`), notify_flags (NOTIFY of -t recipients), body... */
  attributes: recordOf(str),
  /** DSN ENVID and RET (FULL 1, HDRS 2). */
  envid: optional(str),
  ret: optional(int),
  /** The client declared SMTPUTF8. */
  smtputf8: optional(bool),
  /** BODY=8BITMIME or 7BIT as declared. */
  body: optional(str),
  /** Sender full name (sendmail -F). */
  senderFullname: optional(str),
  /** The size the client announced (SIZE=), for early limit checks. */
  sizeHint: optional(int),
});
export type CleanupBegin = ReturnType<typeof begin>;

const ready = object({ type: literal('ready'), queueId: str });
export type CleanupReady = ReturnType<typeof ready>;

const done = object({
  type: literal('done'),
  queueId: str,
  /**
   * ok: queued (complete, fsynced). reject: permanent refusal (5xx). defer: temporary
   * failure (4xx), e.g. disk full or a lookup error. discard: accepted and dropped
   * (the client is told 250). A hold is `ok` with `held` true.
   */
  status: literal('ok', 'reject', 'defer', 'discard'),
  /** Enhanced status code, e.g. 5.7.1, 4.3.0, 5.3.4 (message too big). */
  dsn: optional(str),
  /** Text for the client and the log, e.g. `message content rejected`. */
  reason: optional(str),
  /** The message went to the hold queue. */
  held: optional(bool),
  /** Recipients after alias expansion (for the log). */
  nrcpt: optional(int),
});
export type CleanupDone = ReturnType<typeof done>;

export const cleanupBeginCodec = defineCodec('cleanup begin', begin);
export const cleanupReadyCodec = defineCodec('cleanup ready', ready);
export const cleanupDoneCodec = defineCodec('cleanup done', done);

// ---------------------------------------------------------------- framing

/** Largest content frame a client sends; bigger chunks are split (the reader takes any size). */
export const CLEANUP_MAX_FRAME = 1 << 20;
/** The frame that ends a message's content. */
export const CLEANUP_END_FRAME = Buffer.from('0\n');
/** Digits of a frame's byte count, at most (a guard against garbage). */
const MAX_COUNT_DIGITS = 12;

/** frameHeader - the `<count>\n` that precedes `n` content bytes. */
export function frameHeader(n: number): Buffer {
  return Buffer.from(`${n}\n`, 'latin1');
}

/** What the server side hears from one connection, in order. */
export interface CleanupFrameHandler {
  begin(msg: CleanupBegin): void;
  /** Raw content bytes, as they arrive (not aligned with frames). */
  content(chunk: Buffer): void;
  /** `0\n` arrived: the reader pauses until resume(). */
  end(): void;
}

/**
 * CleanupFrameReader - the server side of the stream: begin line, content frames, end.
 * Content is passed on as it arrives (never a whole frame in memory). After end() the
 * reader holds further bytes until resume(), so the next message starts only once the
 * previous one has been answered. Malformed input throws ProtocolError.
 */
export class CleanupFrameReader {
  private state: 'line' | 'count' | 'data' = 'line';
  private remaining = 0;
  private count = '';
  private paused = false;
  private held: Buffer[] = [];
  private readonly lines: LineSplitter;

  constructor(private readonly handler: CleanupFrameHandler) {
    this.lines = new LineSplitter((line) => this.onLine(line), MAX_LINE);
  }

  /** push - feed bytes from the socket. */
  push(chunk: Buffer): void {
    if (this.paused) {
      this.held.push(chunk);
      return;
    }
    let pos = 0;
    while (pos < chunk.length && !this.paused) pos = this.step(chunk, pos);
    if (pos < chunk.length) this.held.push(chunk.subarray(pos));
  }

  /** resume - start reading the next message (after done was sent). */
  resume(): void {
    this.paused = false;
    const held = this.held;
    this.held = [];
    for (const c of held) this.push(c);
  }

  /** step - consume from `pos` in the current state; returns the new position. */
  private step(chunk: Buffer, pos: number): number {
    if (this.state === 'data') {
      const n = Math.min(this.remaining, chunk.length - pos);
      this.remaining -= n;
      if (this.remaining === 0) this.state = 'count';
      this.handler.content(chunk.subarray(pos, pos + n));
      return pos + n;
    }
    if (this.state === 'line') {
      // The begin line ends at the first newline; hand the splitter only that much.
      const nl = chunk.indexOf(10, pos);
      const end = nl < 0 ? chunk.length : nl + 1;
      this.lines.push(chunk.subarray(pos, end));
      return end;
    }
    for (let i = pos; i < chunk.length; i++) {
      const c = chunk[i] as number;
      if (c === 10) {
        this.onCount();
        return i + 1;
      }
      if (c < 48 || c > 57 || this.count.length >= MAX_COUNT_DIGITS) throw new ProtocolError('cleanup content: bad frame length');
      this.count += String.fromCharCode(c);
    }
    return chunk.length;
  }

  private onLine(line: string): void {
    this.state = 'count';
    this.handler.begin(cleanupBeginCodec.decode(line));
  }

  private onCount(): void {
    if (this.count === '') throw new ProtocolError('cleanup content: empty frame length');
    const n = Number(this.count);
    this.count = '';
    if (n > 0) {
      this.remaining = n;
      this.state = 'data';
      return;
    }
    this.state = 'line';
    this.paused = true;
    this.handler.end();
  }
}

// ---------------------------------------------------------------- client

export interface CleanupClientOptions {
  /** Time allowed for the ready and done replies (ms); default 3600 s (ipc_timeout). */
  timeoutMs?: number;
  /** Close the kept connection after this long without a message (ms); default 5 s (ipc_idle). */
  idleMs?: number;
}

export interface SubmitOptions {
  /** Called with the queue ID as soon as cleanup has assigned it (before the content). */
  onReady?(queueId: string): void;
  /** Abort the message (the connection is closed; cleanup keeps nothing). */
  signal?: AbortSignal;
}

/** Message content for submit(): a stream, an async generator, or an array of chunks. */
export type CleanupContent = AsyncIterable<Buffer | Uint8Array | string> | Iterable<Buffer | Uint8Array | string>;

/** cleanupServicePath - `$queue_directory/public/<service>` (Postfix's public cleanup socket). */
export function cleanupServicePath(queueDir: string, service = 'cleanup'): string {
  return path.join(queueDir, 'public', service);
}

type Phase = 'idle' | 'begin' | 'content' | 'end';

/** Errors of a connection that went away under us: worth one retry of begin(). */
const RETRY_CODES = new Set(['ECONNRESET', 'EPIPE']);

interface Waiter {
  resolve(line: string): void;
  reject(err: Error): void;
}

/**
 * CleanupClient - one connection to cleanup, reused for message after message (one at a
 * time): begin() → write()* → end(), or submit() for the three at once. A connection
 * error fails the current message; the next begin() reconnects.
 */
export class CleanupClient {
  private sock: net.Socket | undefined;
  private phase: Phase = 'idle';
  private waiter: Waiter | undefined;
  private timer: NodeJS.Timeout | undefined;
  private drainWaiters: Waiter[] = [];
  private broken: Error | undefined;
  private readonly timeoutMs: number;
  private readonly idleMs: number;
  private queueId = '';

  constructor(
    readonly path: string,
    opts: CleanupClientOptions = {},
  ) {
    this.timeoutMs = opts.timeoutMs ?? 3_600_000;
    this.idleMs = opts.idleMs ?? 5_000;
  }

  /** fromConfig - a client for $cleanup_service_name with ipc_timeout and ipc_idle. */
  static fromConfig(config: Config): CleanupClient {
    const service = config.get('cleanup_service_name') || 'cleanup';
    return new CleanupClient(cleanupServicePath(config.get('queue_directory'), service), {
      timeoutMs: config.getTime('ipc_timeout') * 1000,
      idleMs: config.getTime('ipc_idle') * 1000,
    });
  }

  /** begin - start a message; resolves with its queue ID. */
  async begin(msg: Omit<CleanupBegin, 'type'> & { type?: 'begin' }): Promise<string> {
    if (this.phase !== 'idle') throw new Error(`cleanup client: begin while a message is ${this.phase}`);
    const line = cleanupBeginCodec.encode({ ...msg, type: 'begin' });
    const reused = this.sock !== undefined;
    try {
      this.queueId = await this.ready(line);
    } catch (err) {
      // A kept connection the server closed meanwhile (max_idle, max_use): once more, fresh.
      if (!reused || !(err instanceof IpcError) || !RETRY_CODES.has(err.code)) throw err;
      this.queueId = await this.ready(line);
    }
    this.phase = 'content';
    return this.queueId;
  }

  /** ready - send a begin line, wait for the queue ID. */
  private async ready(line: string): Promise<string> {
    const sock = this.connection();
    this.phase = 'begin';
    this.broken = undefined;
    const reply = this.expect();
    sock.write(line);
    try {
      return cleanupReadyCodec.decode(await reply).queueId;
    } catch (err) {
      this.fail(err as Error);
      throw err;
    }
  }

  /** write - send content bytes; resolves once the socket can take more. */
  write(chunk: Buffer | Uint8Array | string): Promise<void> {
    if (this.broken) return Promise.reject(this.broken);
    if (this.phase !== 'content' || !this.sock) return Promise.reject(new Error(`cleanup client: write while ${this.phase}`));
    const buf = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    if (buf.length === 0) return Promise.resolve();
    const sock = this.sock;
    let ok = true;
    sock.cork(); // header and data leave in one writev
    for (let off = 0; off < buf.length; off += CLEANUP_MAX_FRAME) {
      const piece = buf.subarray(off, off + CLEANUP_MAX_FRAME);
      sock.write(frameHeader(piece.length));
      ok = sock.write(piece);
    }
    sock.uncork();
    if (ok) return Promise.resolve();
    return new Promise<void>((resolve, reject) => this.drainWaiters.push({ resolve: () => resolve(), reject }));
  }

  /** end - finish the content; resolves with cleanup's verdict (after fsync for `ok`). */
  async end(): Promise<CleanupDone> {
    if (this.broken) throw this.broken;
    if (this.phase !== 'content' || !this.sock) throw new Error(`cleanup client: end while ${this.phase}`);
    this.phase = 'end';
    const line = this.expect();
    this.sock.write(CLEANUP_END_FRAME);
    let reply: CleanupDone;
    try {
      reply = cleanupDoneCodec.decode(await line);
    } catch (err) {
      this.fail(err as Error);
      throw err;
    }
    this.phase = 'idle';
    this.armIdle();
    return reply;
  }

  /** submit - begin, stream `content`, end; `onReady` gets the queue ID first. */
  async submit(msg: Omit<CleanupBegin, 'type'> & { type?: 'begin' }, content: CleanupContent, opts: SubmitOptions = {}): Promise<CleanupDone> {
    const { signal } = opts;
    signal?.throwIfAborted();
    const onAbort = (): void => this.abort(new IpcError(`${this.path}: message aborted`, 'ECANCELED'));
    signal?.addEventListener('abort', onAbort, { once: true });
    try {
      const queueId = await this.begin(msg);
      opts.onReady?.(queueId);
      for await (const chunk of content) {
        signal?.throwIfAborted();
        await this.write(chunk);
      }
      signal?.throwIfAborted();
      return await this.end();
    } catch (err) {
      if (this.phase !== 'idle') this.abort(err as Error);
      throw err;
    } finally {
      signal?.removeEventListener('abort', onAbort);
    }
  }

  /** abort - give up the current message: the connection is closed, cleanup keeps nothing. */
  abort(reason: Error = new IpcError(`${this.path}: message aborted`, 'ECANCELED')): void {
    this.fail(reason);
  }

  /** close - drop the connection (an unfinished message is aborted). */
  close(): void {
    this.fail(new IpcError(`${this.path}: connection closed`, 'ECONNRESET'));
  }

  /** The queue ID of the current (or last) message. */
  get currentQueueId(): string {
    return this.queueId;
  }

  private connection(): net.Socket {
    if (this.sock) {
      this.clearTimer();
      this.sock.ref();
      return this.sock;
    }
    const sock = net.createConnection(this.path);
    const lines = new LineSplitter((l) => this.onLine(l));
    sock.on('data', (chunk: Buffer) => {
      try {
        lines.push(chunk);
      } catch (err) {
        this.fail(err as Error);
      }
    });
    sock.on('drain', () => {
      const w = this.drainWaiters;
      this.drainWaiters = [];
      for (const d of w) d.resolve('');
    });
    sock.on('error', (err: NodeJS.ErrnoException) => {
      this.fail(new IpcError(`connect to ${this.path}: ${err.message}`, err.code ?? 'EIO'));
    });
    sock.on('close', () => {
      if (this.sock === sock) this.fail(new IpcError(`${this.path}: connection closed by peer`, 'ECONNRESET'));
    });
    this.sock = sock;
    return sock;
  }

  /** expect - the next reply line, within timeoutMs. */
  private expect(): Promise<string> {
    return new Promise<string>((resolve, reject) => {
      this.waiter = { resolve, reject };
      this.clearTimer();
      this.timer = setTimeout(
        () => this.fail(new IpcError(`${this.path}: timeout after ${this.timeoutMs / 1000}s`, 'ETIMEDOUT')),
        this.timeoutMs,
      );
    });
  }

  private onLine(line: string): void {
    const w = this.waiter;
    if (!w) {
      this.fail(new IpcError(`${this.path}: unexpected reply: ${line.slice(0, 80)}`, 'EPROTO'));
      return;
    }
    this.waiter = undefined;
    this.clearTimer();
    w.resolve(line);
  }

  private armIdle(): void {
    this.clearTimer();
    this.sock?.unref(); // a kept connection must not keep the process alive
    this.timer = setTimeout(() => this.close(), this.idleMs);
    this.timer.unref();
  }

  private clearTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private fail(err: Error): void {
    this.clearTimer();
    const sock = this.sock;
    this.sock = undefined;
    sock?.destroy();
    if (this.phase !== 'idle') this.broken = err;
    this.phase = 'idle';
    const w = this.waiter;
    this.waiter = undefined;
    w?.reject(err);
    const d = this.drainWaiters;
    this.drainWaiters = [];
    for (const x of d) x.reject(err);
  }
}
