/*
 * session - one message from begin to done: the envelope is rewritten while the first
 * content arrives; the primary headers are processed as they complete (our Received:
 * first); the body streams to the queue file (through the MIME stage when mime, nested
 * or body checks are set); message_size_limit is enforced as bytes arrive; at the end
 * the recipients are settled, the file is committed (fsync) and qmgr is woken, or the
 * file is removed and the verdict returned. Chunks are handled in order, one at a time;
 * write() says when the caller should pause reading.
 * Used by server.ts (and by tests directly).
 */
import { CLEANUP_FLAG, queueLogger, type AddressResolver, type CleanupBegin, type CleanupDone, type Logger, type Spool } from '@mailroom/global';
import type { MapContext } from './addr-map.js';
import { returnToSender, type Bouncer } from './bounce-out.js';
import { Envelope } from './envelope.js';
import { headerFromText, HeaderSplitter, type RawHeader } from './header-split.js';
import { PrimaryHeaders } from './headers.js';
import { MimeStage, mimeInspectionWanted } from './mime.js';
import type { ContextDecider } from './origin.js';
import { QueueOut } from './queue-out.js';
import { receivedHeader } from './received.js';
import type { CleanupSettings } from './settings.js';
import { CleanupFailure, FAIL, MessageState } from './state.js';
import type { QmgrWakeup } from './wakeup.js';

/** What every session of a process shares. */
export interface SessionDeps {
  settings: CleanupSettings;
  spool: Spool;
  rewriter: Pick<AddressResolver, 'rewrite'>;
  decideContext: ContextDecider;
  wakeup: Pick<QmgrWakeup, 'wake'>;
  /** The bounce daemon, for CLEANUP_FLAG.BOUNCE (without it a rejection is only reported). */
  bouncer?: Bouncer;
  log: Logger;
}

/** Bytes accepted but not yet processed before write() asks the caller to pause. */
const HIGH_WATER = 256 * 1024;

/** Begin attributes that only steer cleanup and are not kept in the queue file. */
const PRIVATE_ATTRS = new Set(['rewrite_context', 'notify_flags']);

export class CleanupSession {
  readonly queueId: string;
  readonly state: MessageState;
  private readonly out: QueueOut;
  private readonly envelope: Envelope;
  private readonly split: HeaderSplitter;
  private headers: PrimaryHeaders | undefined;
  private mime: MimeStage | undefined;
  private readonly prepared: Promise<void>;
  private chain: Promise<void> = Promise.resolve();
  private queued = 0;
  private size = 0;
  private receivedDone = false;
  private drainCb: (() => void) | undefined;
  private readonly arrival: number;

  constructor(
    private readonly deps: SessionDeps,
    readonly begin: CleanupBegin,
  ) {
    this.out = new QueueOut(deps.spool);
    this.queueId = this.out.id;
    const log = queueLogger(deps.log, this.queueId);
    this.state = new MessageState(this.queueId, begin, log, (begin.flags & CLEANUP_FLAG.FILTER) !== 0);
    if (begin.flags & CLEANUP_FLAG.HOLD) this.state.hold = true;
    if (begin.flags & CLEANUP_FLAG.DISCARD) this.state.discard = true;
    this.arrival = begin.arrivalTime ?? Date.now();
    const limit = deps.settings.messageSizeLimit;
    if (limit > 0 && begin.sizeHint !== undefined && begin.sizeHint > limit) {
      this.state.fail(FAIL.size()); // announced too big (SIZE=): read the content, keep nothing
      this.state.truncated = true;
    }
    const map: MapContext = { settings: deps.settings.mapping, rewriter: deps.rewriter, log, queueId: this.queueId };
    this.envelope = new Envelope(map, deps.settings, this.state, begin.flags);
    this.split = new HeaderSplitter(deps.settings.headerSizeLimit);
    this.prepared = this.prepare(map);
    this.prepared.catch(() => undefined); // seen by consume() and finish()
  }

  /** write - content bytes, in order; false: pause the input until the drain callback runs. */
  write(chunk: Buffer): boolean {
    this.queued += chunk.length;
    this.chain = this.chain
      .then(() => this.consume(chunk))
      .catch((err: Error) => this.unexpected(err))
      .finally(() => {
        this.queued -= chunk.length;
        if (this.queued < HIGH_WATER / 2 && this.drainCb) {
          const cb = this.drainCb;
          this.drainCb = undefined;
          cb();
        }
      });
    return this.queued < HIGH_WATER;
  }

  /** onDrain - run `cb` once the backlog has shrunk (after write() returned false). */
  onDrain(cb: () => void): void {
    if (this.queued < HIGH_WATER / 2) cb();
    else this.drainCb = cb;
  }

  /** finish - the content is complete: settle, commit (or remove), and give the verdict. */
  async finish(clientGone: () => boolean = () => false): Promise<CleanupDone> {
    await this.chain;
    const st = this.state;
    await this.guard(async () => {
      await this.prepared;
      if (st.writing && !this.split.done) await this.headerPart(this.split.end(), 'eof');
      await this.mime?.end();
    });
    if (st.ok && clientGone()) st.fail(FAIL.write()); // nobody to tell: keep nothing
    const recipients = st.ok || st.bouncing ? await this.guard(() => this.envelope.finish()) : undefined;
    if (st.ok && recipients && recipients.length === 0) st.fail(FAIL.noRecipients());
    if (st.bouncing && recipients && recipients.length > 0 && !clientGone() && this.deps.bouncer) {
      await returnToSender(this.deps.bouncer, st, this.out, recipients, this.arrival);
      return this.verdict(0);
    }
    if (!st.ok || !recipients) {
      await this.out.abort();
      return this.verdict(0);
    }
    const attrs: Record<string, string> = {};
    if (st.filter) attrs.content_filter = st.filter;
    if (!(await this.out.commit(st, recipients, attrs))) return this.verdict(0);
    if (!st.hold) this.deps.wakeup.wake();
    return this.verdict(recipients.length);
  }

  /** abort - the client went away: remove whatever was written. */
  async abort(): Promise<void> {
    this.state.fail(FAIL.write());
    await this.chain.catch(() => undefined);
    await this.out.abort();
  }

  private verdict(nrcpt: number): CleanupDone {
    const st = this.state;
    const base = { type: 'done' as const, queueId: this.queueId };
    // As Postfix: a discard is reported as such whatever else went wrong.
    if (st.discard) return { ...base, status: 'discard' };
    if (st.failure) return { ...base, status: st.failure.status, dsn: st.failure.dsn, reason: st.failure.reason };
    return { ...base, status: 'ok', held: st.hold || undefined, nrcpt };
  }

  /** guard - run a step; a CleanupFailure (or any error) becomes the message's verdict. */
  private async guard<T>(fn: () => Promise<T>): Promise<T | undefined> {
    try {
      return await fn();
    } catch (err) {
      if (err instanceof CleanupFailure) this.state.fail(err.failure);
      else this.unexpected(err as Error);
      return undefined;
    }
  }

  /** unexpected - our bug, not the message's: log it, defer the message. */
  private unexpected(err: Error): void {
    this.state.log.error(`${this.queueId}: ${err.stack ?? err.message}`);
    this.state.fail(FAIL.write());
  }

  /** prepare - sender, header context, queue file envelope, recipients (in the background). */
  private async prepare(map: MapContext): Promise<void> {
    const b = this.begin;
    const context = await this.deps.decideContext(b);
    const sender = await this.envelope.sender(b.sender);
    for (const r of b.recipients) this.envelope.recipient(r);
    this.headers = new PrimaryHeaders(
      { settings: this.deps.settings, state: this.state, map, envelope: this.envelope, begin: b, context, arrivalTime: this.arrival },
      () => this.split.eol,
    );
    const attributes: Record<string, string> = {};
    for (const [k, v] of Object.entries(b.attributes)) if (!PRIVATE_ATTRS.has(k)) attributes[k] = v;
    this.out.envelope({
      sender, arrivalTime: this.arrival, senderFullname: b.senderFullname, attributes, envid: b.envid, ret: b.ret, smtputf8: b.smtputf8,
    });
  }

  private async consume(chunk: Buffer): Promise<void> {
    const st = this.state;
    if (!st.writing) return;
    this.size += chunk.length;
    const limit = this.deps.settings.messageSizeLimit;
    if (limit > 0 && this.size > limit) {
      st.fail(FAIL.size());
      st.truncated = true;
      return;
    }
    await this.guard(async () => {
      await this.prepared;
      if (this.split.done) await this.body(chunk);
      else await this.headerPart(this.split.push(chunk), 'body');
    });
  }

  /** headerPart - completed headers; when the block has ended, the rest is body. */
  private async headerPart(r: { headers: RawHeader[]; body?: Buffer }, why: 'body' | 'eof'): Promise<void> {
    const h = this.headers as PrimaryHeaders;
    let headers = r.headers;
    if (!this.receivedDone && (headers.length > 0 || this.split.done)) {
      this.receivedDone = true;
      const text = receivedHeader(this.begin, this.queueId, this.deps.settings, this.arrival);
      headers = [headerFromText(text, this.split.eol), ...headers];
      if (mimeInspectionWanted(this.deps.settings.checks) && this.state.filtering) {
        this.mime = new MimeStage(this.state, this.deps.settings.checks, (b) => this.out.write(this.state, b), this.split.eol, this.deps.settings.messageSizeLimit);
      }
    }
    if (headers.length > 0) await this.emit(await h.process(headers));
    if (r.body === undefined) return;
    const fin = h.finish();
    const bodyFollows = this.split.separator || r.body.length > 0 || why === 'body';
    await this.emit(bodyFollows ? [...fin, Buffer.from(this.split.eol)] : fin);
    if (r.body.length > 0) await this.body(r.body);
  }

  private async body(chunk: Buffer): Promise<void> {
    await this.emit([chunk]);
  }

  private async emit(bufs: Buffer[]): Promise<void> {
    if (!this.state.writing || bufs.length === 0) return;
    if (this.mime) for (const b of bufs) await this.mime.push(b);
    else await this.out.write(this.state, bufs);
  }
}
