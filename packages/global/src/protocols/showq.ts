/*
 * protocols/showq - the queue listing that the showq daemon streams to postqueue (-p,
 * -j) and mailq, over `$queue_directory/public/$showq_service_name`, or on standard
 * output when the superuser runs showq stand-alone (`-S`) while the system is down.
 *
 * As with Postfix's showq, the client sends nothing: the server writes one `message`
 * record per queued message as it finds it, then one `end` record; a stream without
 * its `end` record is truncated (server died, or was stopped). Framing is the one of
 * every internal protocol: one JSON object per line (ipc/lines.ts), one codec for both
 * ends. Field names are those of postqueue -j (Postfix's JSON object format), so the
 * client prints them as they come; recipients carry a delay_reason only when the
 * defer log has one. Strings are already printable (showq replaces control characters).
 */
import type { Readable } from 'node:stream';
import { arrayOf, bool, defineCodec, int, literal, object, optional, ProtocolError, str, union } from '../ipc/codec.js';
import { LineSplitter } from '../ipc/lines.js';

const recipient = object({ address: str, delay_reason: optional(str) });
export type ShowqRecipient = ReturnType<typeof recipient>;

const message = object({
  t: literal('message'),
  /** maildrop, active, incoming, deferred or hold. */
  queue_name: str,
  queue_id: str,
  /** Seconds since the epoch. */
  arrival_time: int,
  /** Bytes of message header and body (the queue file's content), not the envelope. */
  message_size: int,
  /** Forced to expire (postsuper -e / -f). */
  forced_expire: bool,
  /** Envelope sender, external (quoted) form; the null sender as $empty_address_recipient. */
  sender: str,
  /** Recipients still to deliver: those of the defer log first (with their reasons), then the rest. */
  recipients: arrayOf(recipient),
});
export type ShowqMessage = ReturnType<typeof message>;

const end = object({ t: literal('end'), messages: int });
export type ShowqEnd = ReturnType<typeof end>;

export type ShowqRecord = ShowqMessage | ShowqEnd;

/** One line of the showq stream. */
export const showqRecordCodec = defineCodec<ShowqRecord>('showq record', union<ShowqRecord>('t', { message, end }));

/**
 * readShowq - decode a showq stream, calling `onMessage` for each message in order;
 * resolves with the number of messages when the `end` record has come and the stream
 * has closed. Rejects with ProtocolError on a malformed or truncated stream, or with
 * the stream's own error.
 */
export function readShowq(input: Readable, onMessage: (m: ShowqMessage) => void): Promise<number> {
  return new Promise((resolve, reject) => {
    let count = 0;
    let ended = false;
    let failed = false;
    const fail = (err: Error): void => {
      if (failed) return;
      failed = true;
      input.destroy();
      reject(err);
    };
    const splitter = new LineSplitter((line) => {
      if (failed) return;
      const rec = showqRecordCodec.decode(line);
      if (ended) throw new ProtocolError('showq record after the end record');
      if (rec.t === 'end') {
        if (rec.messages !== count) throw new ProtocolError(`showq end record counts ${rec.messages} messages, got ${count}`);
        ended = true;
        return;
      }
      count++;
      onMessage(rec);
    });
    input.on('data', (chunk: Buffer) => {
      try {
        splitter.push(chunk);
      } catch (err) {
        fail(err as Error);
      }
    });
    input.on('error', fail);
    input.on('end', () => {
      if (!ended || splitter.pending() > 0) fail(new ProtocolError('showq stream ended before its end record'));
      else if (!failed) resolve(count);
    });
  });
}
