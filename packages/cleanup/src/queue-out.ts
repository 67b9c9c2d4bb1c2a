/*
 * queue-out - cleanup's side of one queue file: the QueueFileWriter in incoming/,
 * content writes that record a disk error instead of throwing (a full disk or quota is
 * 4.3.1, other errors 4.3.0: state.ts writeFailure), and the final step:
 * recipients and extracted attributes, the move to hold/ when held (before the file
 * is marked complete, as Postfix does, so qmgr never sees it in incoming/), commit.
 * Used by session.ts. Reads no parameters.
 */
import fs from 'node:fs';
import { errnoText, moveQueueFile, QueueFileWriter, type QueueEnvelopeSpec, type QueueRecipientSpec, type Spool } from '@mailroom/global';
import { writeFailure, type MessageState } from './state.js';

export class QueueOut {
  readonly writer: QueueFileWriter;
  private envelopeSet = false;

  constructor(private readonly spool: Spool) {
    this.writer = new QueueFileWriter(spool, { queue: 'incoming' });
  }

  get id(): string {
    return this.writer.id;
  }

  /** envelope - the envelope records; must come before the first content byte. */
  envelope(env: QueueEnvelopeSpec): void {
    this.writer.setEnvelope(env);
    this.envelopeSet = true;
  }

  get hasEnvelope(): boolean {
    return this.envelopeSet;
  }

  /** write - content bytes; a write error (disk full) defers the message. */
  async write(state: MessageState, bufs: readonly Buffer[]): Promise<void> {
    if (!state.writing) return;
    try {
      for (const b of bufs) if (b.length > 0) await this.writer.writeContent(b);
    } catch (err) {
      state.log.warn(`${state.queueId}: write queue file: ${errnoText(err)}`);
      state.fail(writeFailure(err));
    }
  }

  /** commit - recipients, attributes, hold, then the durable commit; false on failure (logged). */
  async commit(state: MessageState, recipients: readonly QueueRecipientSpec[], attrs: Record<string, string>): Promise<boolean> {
    try {
      for (const [k, v] of Object.entries(attrs)) this.writer.addAttribute(k, v);
      for (const r of recipients) this.writer.addRecipient(r);
      if (state.hold) await this.toHold();
      await this.writer.commit();
      return true;
    } catch (err) {
      state.log.warn(`${state.queueId}: write queue file: ${errnoText(err)}`);
      state.fail(writeFailure(err));
      await this.abort();
      return false;
    }
  }

  /** remove - delete the committed file (after its bounce was sent). */
  async remove(state: MessageState): Promise<void> {
    try {
      await fs.promises.unlink(this.writer.path);
    } catch (err) {
      state.log.warn(`remove ${this.writer.path}: ${errnoText(err)}`);
    }
  }

  /** abort - remove whatever was written (nothing to do after a commit). */
  async abort(): Promise<void> {
    try {
      await this.writer.abort();
    } catch {
      // already gone
    }
  }

  /**
   * toHold - the file goes to hold/ before it is complete. The writer finishes through
   * its open descriptor; its path is pointed at the new place so that a file not yet
   * created is created there and an abort removes the right one.
   * TODO(queue owner): replace with a QueueFileWriter method for this.
   */
  private async toHold(): Promise<void> {
    const w = this.writer as unknown as { path: string };
    if (fs.existsSync(w.path)) await moveQueueFile(this.spool, this.id, 'incoming', 'hold', { sync: false });
    w.path = this.spool.path('hold', this.id);
  }
}
