/*
 * cache - idle connections kept for the next message to the same destination (Postfix
 * keeps them in scache(8); one Node process serves many deliveries, so ours live in
 * the process). A connection waits at most smtp_connection_cache_time_limit, is handed
 * out at most smtp_connection_reuse_count_limit times (0: no limit) and not after
 * smtp_connection_reuse_time_limit; one the server closes while idle drops out. The
 * next user says RSET first (transaction.ts). Used by deliver.ts and main.ts (closeAll).
 */
import type { Session } from './session.js';
import type { ClientSettings } from './settings.js';

interface Idle {
  session: Session;
  timer: NodeJS.Timeout;
}

export class ConnectionCache {
  private readonly idle = new Map<string, Idle[]>();
  /** Sessions whose close already drops them from the cache (one hook per session). */
  private readonly hooked = new WeakSet<Session>();

  constructor(private readonly s: ClientSettings) {}

  /** enabled - connections to this destination are worth keeping. */
  enabled(destination: string): boolean {
    return this.s.cacheOnDemand || this.s.cacheDestinations.has(destination.toLowerCase());
  }

  /** take - an idle connection to `key`, most recently used first. */
  take(key: string): Session | undefined {
    const list = this.idle.get(key);
    while (list && list.length > 0) {
      const item = list.pop() as Idle;
      clearTimeout(item.timer);
      if (list.length === 0) this.idle.delete(key);
      if (item.session.alive) return item.session;
    }
    return undefined;
  }

  /** put - keep `session` for `key`, or close it when it may not be reused. */
  put(key: string, session: Session): void {
    const s = this.s;
    const tooOld = Date.now() - session.createdAt >= s.reuseTimeLimit * 1000;
    const tooUsed = s.reuseCountLimit > 0 && session.uses >= s.reuseCountLimit;
    if (!session.alive || tooOld || tooUsed || s.cacheTimeLimit <= 0) {
      session.quit();
      return;
    }
    const item: Idle = {
      session,
      timer: setTimeout(() => this.drop(key, item, true), s.cacheTimeLimit * 1000),
    };
    item.timer.unref();
    const list = this.idle.get(key) ?? [];
    list.push(item);
    this.idle.set(key, list);
    if (!this.hooked.has(session)) {
      this.hooked.add(session);
      session.onClose(() => {
        const found = this.idle.get(key)?.find((x) => x.session === session);
        if (found) this.drop(key, found, false);
      });
    }
  }

  /** size - idle connections held (tests, logs). */
  get size(): number {
    let n = 0;
    for (const list of this.idle.values()) n += list.length;
    return n;
  }

  /** closeAll - QUIT every idle connection (the process is stopping). */
  closeAll(): void {
    for (const [key, list] of [...this.idle]) for (const item of [...list]) this.drop(key, item, true);
  }

  private drop(key: string, item: Idle, quit: boolean): void {
    const list = this.idle.get(key);
    const i = list ? list.indexOf(item) : -1;
    if (!list || i < 0) return;
    list.splice(i, 1);
    if (list.length === 0) this.idle.delete(key);
    clearTimeout(item.timer);
    if (quit) item.session.quit();
  }
}
