/*
 * qmgr/feed - fill the active queue from incoming/ and deferred/ (Postfix
 * qmgr_active_feed): a scan lists a queue once (one readdir per directory), then
 * takes files in batches while the active queue has room (qmgr_message_active_limit
 * messages, qmgr_message_recipient_limit recipients; one message is always let in).
 * A batch reads each envelope (synchronously: a page-cached read costs less than a
 * thread-pool hop), renames the files to active/ together, then hands them on.
 * Incomplete files (no owner-execute bit) are left alone; corrupt ones go to corrupt/.
 * Deferred files are taken when their mtime (the next retry time) has come, all of
 * them with the `A` flag (their mtimes are reset to now first, as `postqueue -f`
 * does), and for `postqueue -s` those with a recipient in the site's domain. Scans of the two
 * queues take turns; a scan requested while one runs starts when it has ended, so
 * triggers never cause a rescan loop. kick() resumes work when room frees up.
 */
import fs from 'node:fs';
import { loadQueueFile, moveQueueFile, scanQueue, type Logger, type QueueFile, type Spool } from '@mailroom/global';

export type ScanQueue = 'incoming' | 'deferred';

export interface ScanFlags {
  /** Ignore retry times (and reset them to now). */
  all?: boolean;
  /** With `sites`: take only those sites' messages, not every due one. */
  sitesOnly?: boolean;
  /** Deliver over defer_transports too. */
  flush?: boolean;
  /** Also take messages with a recipient in these domains, due or not (postqueue -s). */
  sites?: string[];
}

/** mergeFlags - one scan that does what two requests asked. */
export function mergeFlags(a: ScanFlags, b: ScanFlags): ScanFlags {
  const sites = [...new Set([...(a.sites ?? []), ...(b.sites ?? [])])];
  return {
    all: Boolean(a.all || b.all),
    sitesOnly: Boolean(a.sitesOnly && b.sitesOnly),
    flush: Boolean(a.flush || b.flush),
    ...(sites.length > 0 ? { sites } : {}),
  };
}

interface Scan {
  queue: ScanQueue;
  ids: string[];
  pos: number;
  flags: ScanFlags;
}

/** A file taken into active/. */
export interface Taken {
  file: QueueFile;
  queue: ScanQueue;
  flags: ScanFlags;
  activePath: string;
}

export interface FeedDeps {
  spool: Spool;
  log: Logger;
  activeLimit: number;
  recipientLimit: number;
  /** Is this queue ID in the active queue (or on its way)? */
  has(id: string): boolean;
  /** Messages and recipients in the active queue now. */
  load(): { messages: number; recipients: number };
  /** Reserve room for a file about to move (has() is then true). */
  reserve(id: string, recipients: number): void;
  /** Give up a reservation (the move failed). */
  unreserve(id: string, recipients: number): void;
  /** Files now in active/, in order. */
  admit(taken: Taken[]): void;
}

/** Files handled per batch: bounds the time between two turns of the event loop. */
const BATCH = 256;

/** hasDomain - does the message have an undelivered recipient in one of `sites`? */
function hasDomain(file: QueueFile, sites: readonly string[]): boolean {
  const want = new Set(sites.map((s) => s.toLowerCase().replace(/^\[|\]$/g, '')));
  return file.recipients.some((r) => !r.done && want.has(r.address.slice(r.address.lastIndexOf('@') + 1).toLowerCase()));
}

export class Feeder {
  private readonly current = new Map<ScanQueue, Scan>();
  private readonly requested = new Map<ScanQueue, ScanFlags>();
  private running = false;
  private stopped = false;
  private turn: ScanQueue = 'incoming';

  constructor(private readonly deps: FeedDeps) {}

  /** request - scan a queue (now if idle, else after the running scan of it). */
  request(queue: ScanQueue, flags: ScanFlags = {}): void {
    const prev = this.requested.get(queue);
    this.requested.set(queue, prev ? mergeFlags(prev, flags) : flags);
  }

  /** stop - take nothing more (qmgr is stopping). */
  stop(): void {
    this.stopped = true;
  }

  /** kick - work while there is something to take and room for it. */
  kick(): void {
    if (this.running || this.stopped) return;
    this.running = true;
    void this.run().finally(() => (this.running = false));
  }

  private async run(): Promise<void> {
    try {
      while (await this.step());
    } catch (err) {
      this.deps.log.error(`queue scan: ${(err as Error).stack ?? String(err)}`);
    }
  }

  /** step - one batch; false when there is nothing to do or no room. */
  private async step(): Promise<boolean> {
    if (this.stopped || this.deps.load().messages >= this.deps.activeLimit) return false;
    const scan = await this.nextScan();
    if (!scan) return false;
    const batch = scan.ids.slice(scan.pos, scan.pos + BATCH);
    scan.pos += batch.length;
    const room = await this.take(scan, batch);
    if (scan.pos >= scan.ids.length) this.current.delete(scan.queue);
    return room;
  }

  /** nextScan - the other queue's scan when it has work (turns), starting requested scans. */
  private async nextScan(): Promise<Scan | undefined> {
    const order: ScanQueue[] = this.turn === 'incoming' ? ['incoming', 'deferred'] : ['deferred', 'incoming'];
    for (const queue of order) {
      let scan = this.current.get(queue);
      if (!scan) {
        const flags = this.requested.get(queue);
        if (!flags) continue;
        this.requested.delete(queue);
        scan = await this.startScan(queue, flags);
        if (scan.ids.length === 0) continue;
        this.current.set(queue, scan);
      }
      this.turn = queue === 'incoming' ? 'deferred' : 'incoming';
      return scan;
    }
    return undefined;
  }

  private async startScan(queue: ScanQueue, flags: ScanFlags): Promise<Scan> {
    const ids: string[] = [];
    for await (const id of scanQueue(this.deps.spool, queue)) if (!this.deps.has(id)) ids.push(id);
    if (queue === 'deferred' && flags.all) this.resetRetryTimes(ids);
    return { queue, ids, pos: 0, flags };
  }

  /** resetRetryTimes - postqueue -f: every deferred file is due now (and stays due if we stop). */
  private resetRetryTimes(ids: readonly string[]): void {
    const now = Date.now() / 1000;
    for (const id of ids) {
      const file = this.deps.spool.path('deferred', id);
      try {
        if ((fs.statSync(file, { throwIfNoEntry: false })?.mtimeMs ?? 0) > now * 1000) fs.utimesSync(file, now, now);
      } catch {
        // gone meanwhile
      }
    }
  }

  /** take - read, reserve and move a batch of files; false when the active queue is full. */
  private async take(scan: Scan, ids: readonly string[]): Promise<boolean> {
    const { spool, log } = this.deps;
    const now = Date.now();
    const sites = scan.flags.sites ?? [];
    const taken: Taken[] = [];
    let room = true;
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i] as string;
      if (this.deps.has(id)) continue;
      let due = true;
      if (scan.queue === 'deferred' && !scan.flags.all) {
        const st = fs.statSync(spool.path('deferred', id), { throwIfNoEntry: false });
        if (!st) continue;
        due = !scan.flags.sitesOnly && st.mtimeMs <= now + 1000;
        if (!due && sites.length === 0) continue;
      }
      const file = await loadQueueFile(spool, scan.queue, id, log);
      if (!file) continue;
      if (!due && !hasDomain(file, sites)) continue;
      const load = this.deps.load();
      if (load.messages > 0 && (load.messages >= this.deps.activeLimit || load.recipients + file.recipients.length > this.deps.recipientLimit)) {
        scan.pos -= ids.length - i; // this file and the rest wait for kick()
        room = false;
        break;
      }
      this.deps.reserve(id, file.recipients.length);
      taken.push({ file, queue: scan.queue, flags: scan.flags, activePath: spool.path('active', id) });
    }
    const moved = await Promise.all(
      taken.map((t) =>
        moveQueueFile(spool, t.file.id, t.queue, 'active', { sync: false }).then(
          () => true,
          (err: Error) => {
            if ((err as NodeJS.ErrnoException).code !== 'ENOENT') log.warn(`${t.file.id}: move ${t.queue} to active: ${err.message}`);
            this.deps.unreserve(t.file.id, t.file.recipients.length);
            return false;
          },
        ),
      ),
    );
    const admitted = taken.filter((_, i) => moved[i]);
    if (admitted.length > 0) this.deps.admit(admitted);
    return room;
  }
}
