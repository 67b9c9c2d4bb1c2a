/*
 * scan - one pass over `maildrop/` and what happens to each file (Postfix's
 * pickup_service): complete files are validated (file.ts) and handed to cleanup
 * (submit.ts); a file leaves maildrop only after cleanup has queued it (or bounced or
 * discarded it); bad files go to `corrupt/` with a log line; a deferral leaves the
 * file for the next pass. Passes repeat while they remove files, as Postfix's do.
 * Requests made while a pass runs are folded into one more pass.
 * Reads: message_size_limit.
 */
import fs from 'node:fs';
import {
  CleanupClient, isQueueId, moveToCorrupt, queueDirectories, queueLogger, spoolFromConfig, type Logger, type ServiceContext, type Spool,
} from '@mailroom/global';
import { buildBegin } from './begin.js';
import { openMaildropFile, type MaildropFile } from './file.js';
import { submitToCleanup } from './submit.js';

/** Most passes per request: a user who keeps feeding maildrop cannot hold pickup forever. */
const MAX_PASSES = 20;
/** Waits before trying an unreachable cleanup again (then the pass ends until the next wakeup). */
const CONNECT_RETRY_MS = [100, 250, 500, 1000, 2000, 4000];

/**
 * maildropNames - every queue-ID name in maildrop/, whatever its file type (scanQueue
 * lists regular files only; a symlink or FIFO planted there must be seen to be moved).
 */
async function maildropNames(spool: Spool): Promise<string[]> {
  const names: string[] = [];
  for (const dir of await queueDirectories(spool, 'maildrop')) {
    try {
      names.push(...(await fs.promises.readdir(dir)).filter(isQueueId));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
  }
  return names.sort();
}

export class MaildropScanner {
  private running: Promise<void> | undefined;
  private again = false;
  /** Files cleanup has queued but that could not be removed: never submitted twice. */
  private readonly stuck = new Set<string>();
  private readonly spool: Spool;
  private readonly log: Logger;
  private readonly sizeLimit: number;
  /** Owners whose files may speak for another user: root and the mail system itself. */
  private readonly trusted: ReadonlySet<number>;
  /** One kept connection to cleanup for message after message. */
  private readonly cleanup: CleanupClient;

  constructor(private readonly ctx: ServiceContext) {
    this.spool = spoolFromConfig(ctx.config);
    this.log = ctx.log;
    this.sizeLimit = ctx.config.getInt('message_size_limit');
    this.trusted = new Set([0, process.getuid?.() ?? 0]);
    this.cleanup = CleanupClient.fromConfig(ctx.config);
  }

  /** request - scan now; a request during a pass asks for one more pass. */
  request(): Promise<void> {
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = this.loop().finally(() => (this.running = undefined));
    return this.running;
  }

  private async loop(): Promise<void> {
    let passes = 0;
    do {
      this.again = false;
      const removed = await this.pass();
      if (removed > 0) this.again = true;
    } while (this.again && ++passes < MAX_PASSES && !this.ctx.stopping);
  }

  /** pass - every file in maildrop once; returns how many left it. */
  private async pass(): Promise<number> {
    let removed = 0;
    let attempt = 0;
    const ids = await maildropNames(this.spool);
    for (let i = 0; i < ids.length && !this.ctx.stopping; i++) {
      const outcome = await this.handle(ids[i] as string);
      if (typeof outcome === 'object') {
        // cleanup is not there (yet: at start master's sockets listen once a child does).
        const delay = CONNECT_RETRY_MS[attempt++];
        if (delay === undefined || this.ctx.stopping) {
          this.log.warn(outcome.unreachable);
          break;
        }
        await new Promise((r) => setTimeout(r, delay));
        i--;
        continue;
      }
      attempt = 0;
      if (outcome === 'removed') removed++;
    }
    return removed;
  }

  /** handle - one maildrop name: skip, move aside, or send to cleanup. */
  private async handle(id: string): Promise<'removed' | 'kept' | { unreachable: string }> {
    if (this.stuck.has(id)) return 'kept';
    const r = openMaildropFile(this.spool, id, this.sizeLimit);
    if (r.kind === 'skip') {
      if (r.warning) this.log.warn(r.warning);
      return 'kept';
    }
    if (r.kind === 'bad') {
      const who = r.uid === undefined ? '' : `uid=${r.uid}: `;
      return (await moveToCorrupt(this.spool, 'maildrop', id, `${who}${r.reason}`, this.log)) ? 'removed' : 'kept';
    }
    try {
      return await this.pickup(r.file);
    } finally {
      fs.closeSync(r.file.fd);
    }
  }

  /** pickup - one good file to cleanup; removed from maildrop once cleanup has it. */
  private async pickup(file: MaildropFile): Promise<'removed' | 'kept' | { unreachable: string }> {
    const { begin, user, warnings } = buildBegin(file, this.trusted);
    const result = await submitToCleanup(this.cleanup, file, begin, (queueId) => {
      queueLogger(this.log, queueId).info(`${queueId}: uid=${user.uid} from=<${file.qf.sender}>`);
    });
    if (result.action === 'unreachable') return { unreachable: result.warning ?? 'cleanup service unreachable' };
    const qlog = result.queueId ? queueLogger(this.log, result.queueId) : this.log;
    for (const w of warnings) qlog.warn(w);
    if (result.warning) qlog.warn(result.warning);
    if (result.action !== 'removed') return result.action;
    try {
      fs.unlinkSync(file.path);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') {
        qlog.warn(`remove maildrop/${file.id}: ${(err as Error).message}`);
        this.stuck.add(file.id);
        return 'kept';
      }
    }
    return 'removed';
  }
}
