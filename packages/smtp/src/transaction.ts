/*
 * transaction - one mail transaction on a ready session: (RSET on a reused connection,)
 * MAIL FROM, RCPT TO for each recipient, DATA, the content, and the reply (SMTP: one
 * for all; LMTP: one per accepted recipient). With PIPELINING the commands up to DATA
 * leave in one write and the replies are read in order; without, one by one. Checks
 * made before a byte is sent: the server's SIZE limit (5.3.4) and SMTPUTF8 (5.6.7).
 * DSN parameters (RET, ENVID, NOTIFY, ORCPT) go out when the server offers DSN; SIZE,
 * BODY=8BITMIME and SMTPUTF8 when offered and relevant. Used by deliver.ts.
 */
import { externalForm, openContentStream, type ContentLocation, type DeliverRecipient } from '@mailroom/global';
import { DataEncoder } from './body.js';
import { replyClass, type Reply } from './reply.js';
import { endpointName, SessionLost, type Session } from './session.js';
import type { ClientSettings } from './settings.js';
import { lost, said, unxtext, xtext, type Outcome } from './status.js';

/** The message of a delivery request, as the transaction needs it. */
export interface Message {
  sender: string;
  envid?: string;
  /** DSN RET: FULL 1, HDRS 2. */
  ret?: number;
  /** The message needs SMTPUTF8 (non-ASCII envelope, or flagged with non-ASCII headers). */
  needsUtf8: boolean;
  /** The message was flagged SMTPUTF8 by its sender. */
  smtputf8: boolean;
  /** BODY=8BITMIME was declared. */
  eightBit: boolean;
  content: ContentLocation;
}

export interface TxResult {
  /** One outcome per recipient offset. */
  outcomes: Map<number, Outcome>;
  /** The connection can carry another transaction. */
  reusable: boolean;
  /** A cached connection turned out closed before anything happened: use a fresh one. */
  stale: boolean;
}

const NOTIFY_WORDS: [number, string][] = [[2, 'SUCCESS'], [8, 'FAILURE'], [4, 'DELAY']];
const READ_CHUNK = 256 * 1024;

function mailCommand(session: Session, m: Message): string {
  const caps = session.caps;
  let cmd = `MAIL FROM:<${m.sender === '' ? '' : externalForm(m.sender)}>`;
  if (caps.has('SIZE')) cmd += ` SIZE=${m.content.contentSize}`;
  if (m.eightBit && caps.has('8BITMIME')) cmd += ' BODY=8BITMIME';
  if ((m.smtputf8 || m.needsUtf8) && caps.has('SMTPUTF8')) cmd += ' SMTPUTF8';
  if (caps.has('DSN')) {
    if (m.ret === 1 || m.ret === 2) cmd += ` RET=${m.ret === 1 ? 'FULL' : 'HDRS'}`;
    if (m.envid) cmd += ` ENVID=${xtext(unxtext(m.envid))}`;
  }
  return cmd;
}

function rcptCommand(session: Session, r: DeliverRecipient): string {
  let cmd = `RCPT TO:<${externalForm(r.address)}>`;
  if (session.caps.has('DSN')) {
    if (r.notify) cmd += ` NOTIFY=${r.notify & 1 ? 'NEVER' : NOTIFY_WORDS.filter(([bit]) => r.notify! & bit).map(([, w]) => w).join(',')}`;
    if (r.orcpt) cmd += ` ORCPT=${xtext(unxtext(r.orcpt))}`;
    else if (r.original) cmd += ` ORCPT=rfc822;${xtext(r.original)}`;
  }
  return cmd;
}

/** precheck - why the message cannot go to this server at all, if it cannot. */
function precheck(session: Session, m: Message): Outcome | undefined {
  const limit = Number(session.caps.get('SIZE') ?? '0');
  if (limit > 0 && m.content.contentSize > limit) {
    return { status: 'bounced', dsn: '5.3.4', reason: `message size ${m.content.contentSize} exceeds size limit ${limit} of server ${endpointName(session.endpoint)}` };
  }
  if (m.needsUtf8 && !session.caps.has('SMTPUTF8')) {
    return { status: 'bounced', dsn: '5.6.7', reason: `SMTPUTF8 is required, but was not offered by host ${endpointName(session.endpoint)}` };
  }
  return undefined;
}

/** transact - send one message to `rcpts` over `session`. */
export async function transact(session: Session, m: Message, rcpts: readonly DeliverRecipient[], s: ClientSettings, reused: boolean): Promise<TxResult> {
  const ep = session.endpoint;
  const outcomes = new Map<number, Outcome>();
  const all = (o: Outcome, list: readonly DeliverRecipient[] = rcpts): void => {
    for (const r of list) if (!outcomes.has(r.offset)) outcomes.set(r.offset, o);
  };
  const early = precheck(session, m);
  if (early) {
    all(early);
    return { outcomes, reusable: true, stale: false };
  }
  const t = s.timeouts;
  const pipelining = session.caps.has('PIPELINING');
  let received = 0;
  const reply = async (timeout: number, stage: string): Promise<Reply> => {
    const r = await session.reply(timeout, stage);
    received++;
    return r;
  };
  let reusable = true;
  try {
    const mail = mailCommand(session, m);
    const rcptLines = rcpts.map((r) => rcptCommand(session, r));
    if (pipelining) session.send([...(reused ? ['RSET'] : []), mail, ...rcptLines, 'DATA']);
    if (reused) {
      if (!pipelining) session.send(['RSET']);
      const r = await reply(t.rset, 'sending RSET');
      if (replyClass(r) !== 2) {
        all(said(ep, r, 'RSET'));
        return { outcomes, reusable: false, stale: false };
      }
    }
    if (!pipelining) session.send([mail]);
    const mr = await reply(t.mail, 'sending MAIL FROM');
    const mailOk = replyClass(mr) === 2;
    if (!mailOk) {
      all(said(ep, mr, 'MAIL FROM'));
      if (mr.code === 421) reusable = false;
      if (!pipelining) return { outcomes, reusable, stale: false };
    }
    const accepted: DeliverRecipient[] = [];
    for (let i = 0; i < rcpts.length; i++) {
      const rc = rcpts[i] as DeliverRecipient;
      if (!pipelining) session.send([rcptLines[i] as string]);
      const rr = await reply(t.rcpt, 'sending RCPT TO');
      if (!mailOk) continue;
      if (replyClass(rr) === 2) accepted.push(rc);
      else outcomes.set(rc.offset, said(ep, rr, 'RCPT TO'));
      if (rr.code === 421) reusable = false;
    }
    if (!pipelining && accepted.length === 0) {
      session.send(['RSET']);
      await reply(t.rset, 'sending RSET');
      return { outcomes, reusable, stale: false };
    }
    if (!pipelining) session.send(['DATA']);
    const dr = await reply(t.dataInit, 'sending DATA command');
    if (accepted.length === 0) {
      if (dr.code === 354) {
        // A server that says 354 with no recipient gets an empty message, then forgets it.
        await session.write(Buffer.from('.\r\n'), t.dataXfer, 'sending end of data');
        await reply(t.dataDone, 'sending end of data');
      }
      return { outcomes, reusable: reusable && session.alive, stale: false };
    }
    if (dr.code !== 354) {
      all(said(ep, dr, 'DATA'), accepted);
      return { outcomes, reusable: reusable && dr.code !== 421 && session.alive, stale: false };
    }
    const readError = await sendContent(session, m.content, t.dataXfer);
    if (readError) {
      session.close(); // no "." after a partial message: the server must discard it
      all({ status: 'deferred', dsn: '4.3.0', reason: `mail system error: cannot read message content: ${readError}` });
      return { outcomes, reusable: false, stale: false };
    }
    const stage = 'sending end of data -- message may be sent more than once';
    for (const rc of s.lmtp ? accepted : [accepted[0] as DeliverRecipient]) {
      const fr = await reply(t.dataDone, stage);
      if (s.lmtp) outcomes.set(rc.offset, said(ep, fr, 'end of DATA'));
      else all(said(ep, fr, 'end of DATA'), accepted);
      if (fr.code === 421) reusable = false;
    }
    session.uses++;
    return { outcomes, reusable: reusable && session.alive, stale: false };
  } catch (err) {
    session.close();
    if (!(err instanceof SessionLost)) throw err;
    if (reused && received === 0 && !err.timedOut) return { outcomes: new Map(), reusable: false, stale: true };
    all(lost(ep, err));
    return { outcomes, reusable: false, stale: false };
  }
}

/** sendContent - the content, dot-stuffed, then "."; a read error's text, if any. */
async function sendContent(session: Session, loc: ContentLocation, timeout: number): Promise<string | undefined> {
  const enc = new DataEncoder();
  let held: Buffer | undefined;
  try {
    for await (const chunk of openContentStream(loc, { highWaterMark: READ_CHUNK })) {
      // Hold one chunk back so that a small message and its "." leave in one write.
      if (held) await session.write(held, timeout, 'sending message body');
      held = enc.encode(chunk as Buffer);
    }
  } catch (err) {
    if (err instanceof SessionLost) throw err;
    return (err as Error).message;
  }
  const end = enc.end();
  await session.write(held ? Buffer.concat([held, end]) : end, timeout, 'sending message body');
  return undefined;
}
