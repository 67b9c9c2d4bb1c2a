/*
 * showq/listing - write one queue listing (protocols/showq.ts) to a client socket, or
 * to standard output in stand-alone mode: records are batched into large writes, the
 * scan waits while the peer is slow (backpressure: memory stays bounded whatever the
 * queue size) and stops when the peer goes away. The event loop gets a turn every
 * few hundred messages, so one long listing does not starve the process's other clients.
 */
import { once } from 'node:events';
import { setImmediate as turn } from 'node:timers/promises';
import type { Writable } from 'node:stream';
import { showqRecordCodec, type Logger, type Spool } from '@mailroom/global';
import { queueReport, type ReportSettings } from './report.js';

/** Bytes collected before a write. */
const CHUNK = 64 * 1024;
/** Messages between two turns of the event loop. */
const TURN_EVERY = 256;

/** gone - the peer closed or the stream failed: stop listing. */
function gone(out: Writable): boolean {
  return out.destroyed || out.writableEnded;
}

/** flush - write a chunk; wait for 'drain' when the stream's buffer is full. False when the peer is gone. */
async function flush(out: Writable, chunk: string): Promise<boolean> {
  if (gone(out)) return false;
  if (out.write(chunk)) return true;
  const ac = new AbortController();
  try {
    await Promise.race([once(out, 'drain', { signal: ac.signal }), once(out, 'close', { signal: ac.signal })]);
  } catch {
    return false; // 'error' before drain
  } finally {
    ac.abort();
  }
  return !gone(out);
}

/** writeListing - the whole listing, then the end record; returns the number of messages sent. */
export async function writeListing(out: Writable, spool: Spool, settings: ReportSettings, log: Logger): Promise<number> {
  let count = 0;
  let chunk = '';
  for await (const m of queueReport(spool, settings, log)) {
    chunk += showqRecordCodec.encode(m);
    count++;
    if (chunk.length >= CHUNK) {
      if (!(await flush(out, chunk))) return count;
      chunk = '';
    }
    if (count % TURN_EVERY === 0) await turn();
  }
  chunk += showqRecordCodec.encode({ t: 'end', messages: count });
  await flush(out, chunk);
  return count;
}
