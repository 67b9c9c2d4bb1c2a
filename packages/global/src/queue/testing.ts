/*
 * queue/testing - helpers shared by the queue tests (not exported from the package):
 * a throw-away spool, a sample queue file, a logger whose lines can be inspected.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import type { Logger } from '../log.js';
import { createSpool } from './create.js';
import type { QueueEnvelopeSpec, QueueRecipientSpec } from './format.js';
import type { Spool, SpoolOptions } from './spool.js';
import { QueueFileWriter, type QueueFileWriterOptions } from './writer.js';

/** tempSpool - a fresh spool in a temporary directory; remove() deletes it. */
export function tempSpool(opts: SpoolOptions = {}): { spool: Spool; dir: string; remove: () => void } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mailroom-queue-'));
  const spool = createSpool(path.join(dir, 'spool'), opts);
  return { spool, dir, remove: () => fs.rmSync(dir, { recursive: true, force: true }) };
}

export interface SampleOptions extends QueueFileWriterOptions {
  envelope?: Partial<QueueEnvelopeSpec>;
  recipients?: QueueRecipientSpec[];
  content?: string | Buffer;
  /** Recipients added after the content (extracted segment). */
  late?: QueueRecipientSpec[];
}

/** writeSample - write and commit one queue file; returns the committed writer. */
export async function writeSample(spool: Spool, opts: SampleOptions = {}): Promise<QueueFileWriter> {
  const w = new QueueFileWriter(spool, opts);
  w.setEnvelope({ sender: 'sender@example.com', arrivalTime: 1_700_000_000_000, ...opts.envelope });
  for (const r of opts.recipients ?? [{ address: 'rcpt@example.net' }]) w.addRecipient(r);
  const content = opts.content ?? 'Subject: test\nFrom: sender@example.com\n\nbody line\n';
  await w.writeContent(typeof content === 'string' ? Buffer.from(content) : content);
  for (const r of opts.late ?? []) w.addRecipient(r);
  await w.commit();
  return w;
}

/** captureLog - a logger that keeps its lines (parsed JSON) in memory. */
export function captureLog(): { log: Logger; lines: Array<{ level: number; msg: string; queue_id?: string }> } {
  const lines: Array<{ level: number; msg: string; queue_id?: string }> = [];
  const log = pino({ base: { service: 'test' } }, { write: (s: string) => void lines.push(JSON.parse(s)) });
  return { log, lines };
}

export { seededRandom } from '../testing.js';
