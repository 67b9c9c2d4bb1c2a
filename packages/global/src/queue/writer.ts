/*
 * queue/writer - create one queue file: envelope, streamed content, commit.
 *
 * Used by cleanup (incoming/), postdrop (maildrop/) and bounce. The file is created
 * with O_EXCL under its final name without the owner-execute bit; qmgr and pickup
 * ignore it until commit(): write the rest, fdatasync, fchmod +x, fsync, close
 * (the data is durable before the mark, the mark before commit returns).
 * Only then may the caller answer 250. A writer that dies earlier leaves a file
 * without the x-bit, which no reader takes (removeStaleFiles() cleans it up).
 * Content is buffered up to `flushThreshold` bytes and written in one writev, so a
 * small message costs one write and memory stays bounded for a large one.
 * Recipients and attributes added after content has started go to the extracted
 * segment after the content (docs/queue-file.md). Reads no parameters itself.
 */
import fs from 'node:fs';
import { ensureParentDir } from './create.js';
import { errnoCode } from './errors.js';
import { headRecords, recipientRecords, sizeRecord, type QueueEnvelopeSpec, type QueueRecipientSpec, type SizeFields } from './format.js';
import { fdatasyncFd, fsyncFd, openAsync, syncDirectory, writeAll } from './fsio.js';
import { newQueueId } from './id.js';
import { encodeRecords, REC, type RecordSpec } from './records.js';
import type { QueueName, Spool } from './spool.js';

export interface QueueFileWriterOptions {
  /** Queue to create the file in (default incoming). */
  queue?: QueueName;
  /** Permission bits while writing (default 0600); commit adds the owner-execute bit. */
  mode?: number;
  /** Bytes of content kept in memory before writing to disk (default 256 KiB). */
  flushThreshold?: number;
  /** Also fsync the directory at commit (ext4, xfs and btrfs make a new name durable with the file's fsync). */
  syncDirectory?: boolean;
  /**
   * Postfix's order: fchmod +x, then one fsync (default: fdatasync, fchmod, fsync).
   * Faster; after a crash during that fsync a file may carry the x-bit with its tail
   * missing, which readers then find corrupt (no 250 had been sent for it).
   */
  singleSync?: boolean;
}

function checkAttributeName(name: string): void {
  if (!name || name.includes('=')) throw new Error(`queue file writer: bad attribute name: ${name}`);
}

type State = 'envelope' | 'content' | 'committed' | 'aborted';

export class QueueFileWriter {
  readonly id: string;
  readonly path: string;
  private readonly mode: number;
  private readonly threshold: number;
  private readonly syncDir: boolean;
  private readonly singleSync: boolean;
  private state: State = 'envelope';
  private envelope: QueueEnvelopeSpec | undefined;
  private readonly head: RecordSpec[] = [];
  private readonly extracted: RecordSpec[] = [];
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private fd = -1;
  private flushChain: Promise<void> = Promise.resolve();
  /** The first failed write: a file that missed a write must never be committed. */
  private writeError: unknown;
  private written = 0;
  private contentOffset = 0;
  private contentSize = 0;
  private recipientCount = 0;
  /** Most content bytes held in memory at once (for tests and the benchmark). */
  peakBuffered = 0;

  constructor(spool: Spool, opts: QueueFileWriterOptions = {}) {
    this.id = newQueueId();
    this.path = spool.path(opts.queue ?? 'incoming', this.id);
    this.mode = (opts.mode ?? 0o600) & ~0o100;
    this.threshold = opts.flushThreshold ?? 256 * 1024;
    this.syncDir = opts.syncDirectory ?? false;
    this.singleSync = opts.singleSync ?? false;
  }

  /** setEnvelope - sender, time, attributes, DSN; before any content. */
  setEnvelope(env: QueueEnvelopeSpec): this {
    if (this.state !== 'envelope') throw new Error('queue file writer: envelope after content');
    for (const name of Object.keys(env.attributes ?? {})) checkAttributeName(name);
    this.envelope = env;
    return this;
  }

  /** addRecipient - before content: envelope segment; after: extracted segment. */
  addRecipient(r: QueueRecipientSpec): this {
    this.target().push(...recipientRecords(r));
    this.recipientCount++;
    return this;
  }

  /** addAttribute - a `name=value` record, placed as addRecipient places recipients. */
  addAttribute(name: string, value: string): this {
    checkAttributeName(name);
    this.target().push([REC.ATTR, `${name}=${value}`]);
    return this;
  }

  /** writeContent - append raw message bytes; resolves at once unless a flush is due. */
  async writeContent(chunk: Buffer): Promise<void> {
    if (this.state === 'envelope') this.startContent();
    if (this.state !== 'content') throw new Error(`queue file writer: write after ${this.state}`);
    if (chunk.length === 0) return;
    this.pending.push(chunk);
    this.pendingBytes += chunk.length;
    this.contentSize += chunk.length;
    if (this.pendingBytes > this.peakBuffered) this.peakBuffered = this.pendingBytes;
    if (this.pendingBytes >= this.threshold) await this.flush();
  }

  /** commit - make the file complete and durable; returns the queue ID. */
  async commit(): Promise<string> {
    if (this.state === 'envelope') this.startContent();
    if (this.state !== 'content') throw new Error(`queue file writer: commit after ${this.state}`);
    const fields: SizeFields = {
      contentSize: this.contentSize, contentOffset: this.contentOffset, recipientCount: this.recipientCount,
      flags: this.envelope?.flags ?? 0, smtputf8: this.envelope?.smtputf8 ?? false,
    };
    const size = sizeRecord(fields);
    try {
      await this.flushChain; // earlier flushes (a caller that did not await writeContent)
      if (this.writeError !== undefined) throw this.writeError;
      // Still all in memory: patch the size record in the buffer, one write in all;
      // else append the rest, then overwrite the placeholder with a positional write.
      const inMemory = this.written === 0;
      if (inMemory) size.copy(this.pending[0] as Buffer, 0);
      this.pending.push(encodeRecords([[REC.XTRA, ''], ...this.extracted, [REC.END, '']]));
      await this.flush();
      if (!inMemory) await writeAll(this.fd, [size], 0);
      if (!this.singleSync) await fdatasyncFd(this.fd);
      fs.fchmodSync(this.fd, this.mode | 0o100);
      await fsyncFd(this.fd);
      fs.closeSync(this.fd);
      this.fd = -1;
      if (this.syncDir) await syncDirectory(this.path.slice(0, this.path.lastIndexOf('/')));
      this.state = 'committed';
      return this.id;
    } catch (err) {
      await this.abort();
      throw err;
    }
  }

  /** abort - give up: close and remove the file. Safe to call at any time. */
  async abort(): Promise<void> {
    if (this.state === 'committed' || this.state === 'aborted') return;
    this.state = 'aborted';
    this.pending = [];
    await this.flushChain; // a flush in flight may still be creating the file
    if (this.fd >= 0) {
      fs.closeSync(this.fd);
      this.fd = -1;
      try {
        fs.unlinkSync(this.path);
      } catch (err) {
        if (errnoCode(err) !== 'ENOENT') throw err;
      }
    }
  }

  private target(): RecordSpec[] {
    if (this.state === 'envelope') return this.head;
    if (this.state === 'content') return this.extracted;
    throw new Error(`queue file writer: change after ${this.state}`);
  }

  private startContent(): void {
    if (!this.envelope) throw new Error('queue file writer: content before envelope');
    const placeholder = sizeRecord({ contentSize: 0, contentOffset: 0, recipientCount: 0, flags: 0, smtputf8: false });
    const body = encodeRecords([...headRecords(this.envelope, Math.floor(Date.now() / 1000)), ...this.head, [REC.MESG, '']]);
    const headBuf = Buffer.concat([placeholder, body]);
    this.contentOffset = headBuf.length;
    this.pending = [headBuf];
    this.pendingBytes = 0;
    this.state = 'content';
  }

  /** flush - write out what is pending; flushes run one after another, in order. */
  private flush(): Promise<void> {
    const run = this.flushChain.then(() => this.flushNow());
    this.flushChain = run.catch((err: unknown) => {
      this.writeError ??= err;
    });
    return run;
  }

  private async flushNow(): Promise<void> {
    if (this.pending.length === 0 || this.state === 'aborted') return;
    if (this.fd < 0) await this.open();
    const bufs = this.pending;
    this.pending = [];
    this.pendingBytes = 0;
    for (const b of bufs) this.written += b.length;
    await writeAll(this.fd, bufs);
  }

  private async open(): Promise<void> {
    const flags = fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_EXCL;
    try {
      this.fd = await openAsync(this.path, flags, this.mode);
    } catch (err) {
      if (errnoCode(err) !== 'ENOENT') throw err;
      ensureParentDir(this.path);
      this.fd = await openAsync(this.path, flags, this.mode);
    }
  }
}
