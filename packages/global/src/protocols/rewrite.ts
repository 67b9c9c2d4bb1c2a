/*
 * protocols/rewrite - requests to trivial-rewrite over `$queue_directory/private/rewrite`
 * (newline-delimited JSON, replies in order, connection reused):
 *   rewrite: an address to standard form under a rule set (`local`: append
 *            @$myorigin, .$mydomain ...; `remote`: append $remote_header_rewrite_domain,
 *            or nothing when it is empty);
 *   resolve: a recipient to its address class, delivery transport, next hop and
 *            the recipient to give that transport.
 * Addresses travel in internal (unquoted) form, as in queue files, both ways.
 * Callers: smtpd (recipient validation, reject_unauth_destination), cleanup
 * (standard form), qmgr (routing), local/virtual (further addresses); they use
 * RewriteClient below, which caches answers for a few seconds.
 * Reads (RewriteClient.fromConfig): queue_directory, rewrite_service_name, ipc_timeout, ipc_idle, ipc_ttl.
 */
import type { Config } from '../config/types.js';
import { IpcClient, IpcError, ipcOptions, type IpcClientOptions } from '../ipc/client.js';
import { defineCodec, int, literal, object, optional, str, union } from '../ipc/codec.js';
import { servicePath } from '../ipc/trigger.js';

/** Address classes of Postfix's ADDRESS_CLASS_README. */
export const ADDRESS_CLASSES = ['local', 'alias', 'virtual', 'relay', 'default'] as const;
export type AddressClass = (typeof ADDRESS_CLASSES)[number];

/** Bits of ResolveReply.flags (Postfix's RESOLVE_FLAG_* and RESOLVE_CLASS_*). */
export const RESOLVE_FLAG = {
  /** The local part holds routing operators (@ ! %): a relay attempt through us. */
  ROUTED: 1 << 0,
  /** Lookup error: the caller should defer (tempfail), never bounce. */
  FAIL: 1 << 1,
  /** Address syntax error (bad domain, or a recipient starting with `-`): class is default,
   *  transport `error`, nexthop `5.1.3 bad address syntax`. */
  ERROR: 1 << 2,
} as const;

/** The rule sets of the rewrite request. */
export type RewriteRule = 'local' | 'remote';

const rewriteReq = object({ op: literal('rewrite'), rule: literal('local', 'remote'), address: str });
const resolveReq = object({
  op: literal('resolve'),
  /** The envelope sender, for sender_dependent_* lookups; '' when none. */
  sender: optional(str),
  address: str,
});
export type RewriteRequest = ReturnType<typeof rewriteReq>;
export type ResolveRequest = ReturnType<typeof resolveReq>;
export type TrivialRewriteRequest = RewriteRequest | ResolveRequest;

const rewriteRep = object({ op: literal('rewrite'), address: str, flags: int });
const resolveRep = object({
  op: literal('resolve'),
  /** Address class of the recipient's domain. */
  class: literal(...ADDRESS_CLASSES),
  /** Transport name (a master.cf service): local, virtual, relay, smtp, error, discard, ...
   *  '' only with the FAIL flag. */
  transport: str,
  /** Next hop: a domain, `[host]:port`, `inet:host:port`, `unix:/path`, or error text.
   *  Case as written (qmgr lower-cases it for its queue names, as Postfix's does). */
  nexthop: str,
  /** The recipient in the form the transport gets it (standard form, user@domain). */
  recipient: str,
  flags: int,
});
export type RewriteReply = ReturnType<typeof rewriteRep>;
export type ResolveReply = ReturnType<typeof resolveRep>;
export type TrivialRewriteReply = RewriteReply | ResolveReply;

export const trivialRewriteRequestCodec = defineCodec<TrivialRewriteRequest>(
  'trivial-rewrite request',
  union<TrivialRewriteRequest>('op', { rewrite: rewriteReq, resolve: resolveReq }),
);
export const trivialRewriteReplyCodec = defineCodec<TrivialRewriteReply>(
  'trivial-rewrite reply',
  union<TrivialRewriteReply>('op', { rewrite: rewriteRep, resolve: resolveRep }),
);

/** What smtpd, cleanup and qmgr need of trivial-rewrite (RewriteClient, or a fake in tests). */
export interface AddressResolver {
  /** rewrite - the address in standard form under `rule`. */
  rewrite(rule: RewriteRule, address: string): Promise<string>;
  /** resolve - class, transport, next hop and recipient for `address` sent by `sender`. */
  resolve(sender: string, address: string): Promise<ResolveReply>;
}

export interface RewriteClientOptions extends IpcClientOptions {
  /** How long an answer is reused (ms); default 5000; 0 disables the cache. */
  cacheTtlMs?: number;
  /** Most answers kept; default 2000. */
  cacheSize?: number;
}

/** Connection errors after which one retry is worth it (the server exited at max_idle/max_use). */
const RETRY_CODES = new Set(['ECONNRESET', 'EPIPE', 'ECONNREFUSED', 'ENOENT']);

/**
 * RewriteClient - a kept connection to trivial-rewrite with a small answer cache.
 * Replies with the FAIL flag are not cached. A request that cannot be answered
 * (service down, timeout) rejects with IpcError: the caller defers, as for FAIL.
 */
export class RewriteClient implements AddressResolver {
  private readonly ipc: IpcClient<TrivialRewriteRequest, TrivialRewriteReply>;
  private readonly cache: ReplyCache<Promise<TrivialRewriteReply>>;

  constructor(
    readonly path: string,
    opts: RewriteClientOptions = {},
  ) {
    this.ipc = new IpcClient(path, trivialRewriteRequestCodec, trivialRewriteReplyCodec, opts);
    this.cache = new ReplyCache(opts.cacheTtlMs ?? 5000, opts.cacheSize ?? 2000);
  }

  /** fromConfig - the client of `$queue_directory/private/$rewrite_service_name`. */
  static fromConfig(config: Config, opts: RewriteClientOptions = {}): RewriteClient {
    const file = servicePath(config.get('queue_directory'), `private/${config.get('rewrite_service_name') || 'rewrite'}`);
    return new RewriteClient(file, { ...ipcOptions(config), ...opts });
  }

  async rewrite(rule: RewriteRule, address: string): Promise<string> {
    const rep = await this.ask(`w${rule}\0${address}`, { op: 'rewrite', rule, address });
    if (rep.op !== 'rewrite') throw new IpcError(`${this.path}: reply to rewrite is ${rep.op}`, 'EPROTO');
    return rep.address;
  }

  async resolve(sender: string, address: string): Promise<ResolveReply> {
    const rep = await this.ask(`r${sender}\0${address}`, { op: 'resolve', sender, address });
    if (rep.op !== 'resolve') throw new IpcError(`${this.path}: reply to resolve is ${rep.op}`, 'EPROTO');
    return rep;
  }

  /** flush - forget cached answers (e.g. after a configuration change). */
  flush(): void {
    this.cache.clear();
  }

  /** close - drop the connection; outstanding requests fail. */
  close(): void {
    this.ipc.close();
  }

  /** ask - cached answer, or one request shared by everyone asking the same meanwhile. */
  private ask(key: string, req: TrivialRewriteRequest): Promise<TrivialRewriteReply> {
    const hit = this.cache.get(key);
    if (hit) return hit;
    const p = this.send(req);
    this.cache.set(key, p);
    p.then(
      (rep) => {
        if (rep.flags & RESOLVE_FLAG.FAIL) this.cache.delete(key, p);
      },
      () => this.cache.delete(key, p),
    );
    return p;
  }

  private async send(req: TrivialRewriteRequest): Promise<TrivialRewriteReply> {
    try {
      return await this.ipc.request(req);
    } catch (err) {
      if (!(err instanceof IpcError) || !RETRY_CODES.has(err.code)) throw err;
      await new Promise((r) => setTimeout(r, 100));
      return this.ipc.request(req);
    }
  }
}

/**
 * ReplyCache - answers kept for `ttlMs`, at most `max` of them (the oldest go first).
 * Used by RewriteClient and by the trivial-rewrite daemon.
 */
export class ReplyCache<V> {
  private readonly map = new Map<string, { value: V; expires: number }>();

  constructor(
    private readonly ttlMs: number,
    private readonly max: number,
  ) {}

  get(key: string): V | undefined {
    const e = this.map.get(key);
    if (!e) return undefined;
    if (e.expires <= Date.now()) {
      this.map.delete(key);
      return undefined;
    }
    return e.value;
  }

  set(key: string, value: V): void {
    if (this.ttlMs <= 0 || this.max <= 0) return;
    this.map.delete(key);
    if (this.map.size >= this.max) {
      const oldest = this.map.keys().next();
      if (!oldest.done) this.map.delete(oldest.value);
    }
    this.map.set(key, { value, expires: Date.now() + this.ttlMs });
  }

  /** delete - forget key (only while it still holds `value`, when given). */
  delete(key: string, value?: V): void {
    if (value === undefined || this.map.get(key)?.value === value) this.map.delete(key);
  }

  clear(): void {
    this.map.clear();
  }

  get size(): number {
    return this.map.size;
  }
}
