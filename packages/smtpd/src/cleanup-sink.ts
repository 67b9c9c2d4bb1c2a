/*
 * cleanup-sink - how smtpd hands one message to cleanup, over global's CleanupClient
 * (protocols/cleanup.ts): begin with the envelope (the queue ID comes back), stream the
 * content with backpressure, then wait for cleanup's verdict. `250` is only sent after
 * a `done` with status ok, which cleanup sends once the queue file is complete and
 * fsynced; giving up before the end (abort) leaves nothing in the queue.
 * Clients (each one kept connection) are pooled per process: one per message in flight.
 * Used by transaction.ts and message.ts. Reads (CleanupClient.fromConfig): queue_directory,
 * cleanup_service_name, ipc_timeout, ipc_idle.
 */
import { CleanupClient, type CleanupBegin, type CleanupDone, type Config } from '@mailroom/global';

/** One message on its way into the queue. */
export interface CleanupSink {
  readonly queueId: string;
  /** Content bytes; resolves when more may be written (rejects once the connection broke). */
  write(chunk: Buffer): Promise<void>;
  /** End of content; resolves with cleanup's verdict. */
  finish(): Promise<CleanupDone>;
  /** Give the message up (nothing is queued). */
  abort(): void;
}

export type OpenCleanup = (begin: CleanupBegin) => Promise<CleanupSink>;

/** Idle clients kept for the next message. */
const POOL_MAX = 16;

/** cleanupOpener - messages into cleanup through a small pool of CleanupClients. */
export function cleanupOpener(config: Config): OpenCleanup {
  const idle: CleanupClient[] = [];
  const release = (c: CleanupClient): void => {
    if (idle.length < POOL_MAX) idle.push(c);
    else c.close();
  };
  return async (begin) => {
    const client = idle.pop() ?? CleanupClient.fromConfig(config);
    let queueId: string;
    try {
      queueId = await client.begin(begin);
    } catch (err) {
      release(client); // the next begin() reconnects
      throw err;
    }
    let settled = false;
    return {
      queueId,
      write: (chunk) => client.write(chunk),
      async finish(): Promise<CleanupDone> {
        settled = true;
        try {
          return await client.end();
        } finally {
          release(client);
        }
      },
      abort(): void {
        if (settled) return;
        settled = true;
        client.abort();
        release(client);
      },
    };
  };
}
