/*
 * message - the content of one message, from the DATA stream into cleanup: written with
 * backpressure (cleanup slow: the client is read slower), then judged when it ends:
 *   over message_size_limit          552 5.3.4 Error: message file too big
 *   bare LF/CR under `reject`        550 5.5.2 $myhostname Error: bare <LF> received
 *   smtpd_end_of_data_restrictions   their reply
 *   cleanup's verdict                250 2.0.0 Ok: queued as ID, or its 4xx/5xx
 *                                    (spool full: 452 4.3.1 Insufficient system storage)
 * A refused message is aborted in cleanup, so nothing stays in the queue; a client that
 * goes away before the end aborts it the same way.
 * Reads (through settings): message_size_limit, smtpd_forbid_bare_newline_reject_code.
 */
import type { CleanupDone } from '@mailroom/global';
import type { MessageStream } from './input.js';
import { REPLY, reply, type Reply } from './replies.js';
import type { SmtpdService } from './services.js';
import type { SmtpdSession } from './session.js';

/** cleanupReply - what the client is told after cleanup's `done`. */
export function cleanupReply(done: CleanupDone): Reply {
  switch (done.status) {
    case 'ok':
    case 'discard':
      return REPLY.queued(done.queueId);
    case 'reject': {
      const dsn = done.dsn ?? '5.7.1';
      return reply(dsn.startsWith('5.3.4') ? 552 : 550, dsn, done.reason ?? 'Error: message content rejected');
    }
    case 'defer':
      // A full spool (cleanup: ENOSPC, EDQUOT) is RFC 5321's 452; a write error has Postfix's text.
      if (done.dsn === '4.3.1') return reply(452, '4.3.1', done.reason ?? 'Insufficient system storage');
      if (done.reason === undefined || done.reason === 'queue file write error') return REPLY.writeError();
      return reply(451, done.dsn ?? '4.3.0', done.reason);
  }
}

/** verdict - the reply for a message that arrived completely. */
async function verdict(svc: SmtpdService, s: SmtpdSession, stream: MessageStream): Promise<Reply> {
  const sink = s.sink;
  const refuse = (r: Reply): Reply => {
    sink?.abort();
    s.reject('END-OF-MESSAGE', r);
    return r;
  };
  if (stream.sizeExceeded) {
    svc.log.warn(`${s.queueId ?? 'NOQUEUE'}: queue file size limit exceeded`);
    return refuse(REPLY.tooBig());
  }
  if (stream.bareLf || stream.bareCr) {
    const what = stream.bareLf ? 'LF' : 'CR';
    if (s.newline === 'reject') return refuse(reply(svc.settings.bareNewlineRejectCode, '5.5.2', `${svc.settings.myhostname} Error: bare <${what}> received`));
    if (s.newline === 'note') svc.log.info(`${s.queueId ?? 'NOQUEUE'}: bare <${what}> received from ${s.namaddr}`);
  }
  const eod = await svc.restrictions.endOfData(s.request());
  s.notes('END-OF-MESSAGE', eod.state.notes);
  if (eod.reply) return refuse(eod.reply);
  if (!sink) return REPLY.writeError();
  try {
    const done = await sink.finish();
    const r = cleanupReply(done);
    if (r.code < 300) s.errorCount = 0; // errors count "without delivering mail"
    return r;
  } catch (err) {
    svc.log.warn(`${s.queueId ?? 'NOQUEUE'}: ${(err as Error).message}`);
    return REPLY.writeError();
  }
}

/** receive - stream the message to cleanup; resolves with the reply once it has ended. */
export function receive(svc: SmtpdService, s: SmtpdSession, stream: MessageStream): Promise<Reply> {
  const sink = s.sink;
  const discarding = (): boolean => stream.sizeExceeded || (s.newline === 'reject' && (stream.bareLf || stream.bareCr));
  s.dataBytes = 0;
  let broken = false;
  return new Promise<Reply>((resolve) => {
    stream.on('data', (chunk: Buffer) => {
      s.dataBytes = stream.byteLength;
      if (!sink || discarding() || broken) return;
      // Read on once cleanup's socket takes more: a slow cleanup slows the client down.
      stream.pause();
      sink.write(chunk).then(
        () => stream.resume(),
        () => {
          broken = true; // reported by finish()
          stream.resume();
        },
      );
    });
    let ended = false;
    stream.on('error', () => {}); // reported through 'close'
    stream.on('close', () => {
      if (!ended) sink?.abort(); // the client went away mid-DATA: nothing may stay in the queue
    });
    stream.on('end', () => {
      ended = true;
      s.dataBytes = stream.byteLength;
      s.lastCommand = 'END-OF-MESSAGE';
      verdict(svc, s, stream).then(
        (r) => {
          s.sink = undefined;
          s.dataBytes = -1;
          resolve(r);
        },
        (err: Error) => {
          svc.log.error(`${s.queueId ?? 'NOQUEUE'}: ${err.message}`);
          sink?.abort();
          s.sink = undefined;
          resolve(REPLY.writeError());
        },
      );
    });
  });
}
