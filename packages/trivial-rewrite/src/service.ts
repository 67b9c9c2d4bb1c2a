/*
 * service - the trivial-rewrite request handler: rewrite requests are answered at once
 * (a few string operations), resolve answers are cached for a minute and shared by
 * concurrent askers, and the cache is dropped as soon as a table file changes (the
 * tables reload themselves). FAIL answers are never cached. Used by main.ts with
 * serveIpc, and by tests that serve the protocol in-process.
 */
import {
  RESOLVE_FLAG,
  ReplyCache,
  serveIpc,
  trivialRewriteReplyCodec,
  trivialRewriteRequestCodec,
  type Logger,
  type ResolveReply,
  type TrivialRewriteReply,
  type TrivialRewriteRequest,
} from '@mailroom/global';
import type net from 'node:net';
import type { RewriteEngine } from './engine.js';

export interface ServiceOptions {
  /** How long a resolve answer is reused (ms); default 60 s. */
  cacheTtlMs?: number;
  /** Most answers kept; default 10000. */
  cacheSize?: number;
}

export class RewriteService {
  private readonly cache: ReplyCache<Promise<ResolveReply>>;
  /** Without sender-dependent tables the sender cannot change the answer: leave it out of the key. */
  private readonly bySender: boolean;

  constructor(
    readonly engine: RewriteEngine,
    private readonly log?: Pick<Logger, 'debug'>,
    opts: ServiceOptions = {},
  ) {
    this.cache = new ReplyCache(opts.cacheTtlMs ?? 60_000, opts.cacheSize ?? 10_000);
    const s = engine.settings;
    this.bySender = s.senderRelayhostMaps.length > 0 || s.senderTransportMaps.length > 0;
  }

  /** handle - one request's reply. */
  handle(req: TrivialRewriteRequest): TrivialRewriteReply | Promise<TrivialRewriteReply> {
    if (req.op === 'rewrite') return { op: 'rewrite', address: this.engine.rewrite(req.rule, req.address), flags: 0 };
    return this.resolve(req.sender ?? '', req.address);
  }

  /** resolve - a cached answer, or a new one. */
  resolve(sender: string, address: string): Promise<ResolveReply> {
    const changed = this.engine.tablesChanged();
    if (changed !== undefined) {
      this.log?.debug(`table file ${changed} has changed -- forgetting ${this.cache.size} cached answers`);
      this.cache.clear();
    }
    const key = this.bySender ? `${sender}\0${address}` : address;
    const hit = this.cache.get(key);
    if (hit) return hit;
    const p = this.engine.resolve(sender, address);
    this.cache.set(key, p);
    void p.then((rep) => {
      if (rep.flags & RESOLVE_FLAG.FAIL) this.cache.delete(key, p);
    });
    return p;
  }

  /** serve - answer requests on one client connection until it closes. */
  serve(sock: net.Socket, log?: Logger): Promise<void> {
    return serveIpc(sock, trivialRewriteRequestCodec, trivialRewriteReplyCodec, (req) => this.handle(req), log);
  }
}
