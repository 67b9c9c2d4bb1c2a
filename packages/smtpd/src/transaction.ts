/*
 * transaction - what smtpd does for each step of the dialogue, apart from SMTP syntax
 * (smtp-server's) and bytes (input.ts): connect (hostname, limits, client restrictions),
 * MAIL, RCPT, DATA (restrictions, opening cleanup) and VRFY. Each step returns the reply
 * to refuse with, or undefined to go on; logging is Postfix's (session.ts).
 * The message itself is streamed by message.ts.
 */
import { CLEANUP_FLAG, CLEANUP_FLAG_MASK_EXTERNAL, internalForm, queueLogger, type CleanupBegin } from '@mailroom/global';
import type { SMTPServerAddress, SMTPServerEnvelope } from 'smtp-server';
import { REPLY, reply, type Reply } from './replies.js';
import type { SmtpdService } from './services.js';
import type { SmtpdSession } from './session.js';

/** connect - before the greeting: undefined to greet, or a 421 to refuse the client with. */
export async function connect(svc: SmtpdService, s: SmtpdSession): Promise<Reply | undefined> {
  Object.assign(s.client, await svc.peer(s.client.addr));
  svc.log.info(`connect from ${s.namaddr}`);
  const refused = await svc.limits.admit(s.client.name, s.client.addr);
  s.counted = true;
  if (refused) {
    svc.log.warn(refused.warning);
    s.closedByServer = true;
    return refused.reply;
  }
  s.newline = await svc.newlineMode(s.client.name, s.client.addr);
  if (!svc.settings.lists.delayReject) {
    const r = await svc.restrictions.client(s.request());
    s.notes('CONNECT', r.state.notes);
    if (r.reply) {
      s.reject('CONNECT', r.reply);
      s.accessDenied = r.reply;
    }
  }
  return undefined;
}

/** helo - HELO/EHLO restrictions when they are not delayed to RCPT. */
export async function helo(svc: SmtpdService, s: SmtpdSession, command: 'HELO' | 'EHLO', name: string): Promise<Reply | undefined> {
  s.helo = name;
  s.protocol = command === 'EHLO' ? 'ESMTP' : 'SMTP';
  if (s.accessDenied) return s.accessDenied;
  if (svc.settings.lists.delayReject) return undefined;
  const r = await svc.restrictions.helo(s.request());
  s.notes(command, r.state.notes);
  if (r.reply) s.reject(command, r.reply);
  return r.reply;
}

/** mail - MAIL FROM: the sender, and sender restrictions when they are not delayed. */
export async function mail(svc: SmtpdService, s: SmtpdSession, from: SMTPServerAddress): Promise<Reply | undefined> {
  if (s.accessDenied) return s.accessDenied;
  s.sender = internalForm(from.address);
  if (svc.settings.lists.delayReject) return undefined;
  const r = await svc.restrictions.sender(s.request());
  s.notes('MAIL', r.state.notes);
  if (r.reply) {
    s.reject('MAIL', r.reply);
    s.sender = undefined;
  }
  return r.reply;
}

/** rcpt - RCPT TO: every delayed list, relay and recipient restrictions, validation. */
export async function rcpt(svc: SmtpdService, s: SmtpdSession, to: SMTPServerAddress): Promise<Reply | undefined> {
  if (s.accessDenied) return s.accessDenied;
  const recipient = internalForm(to.address);
  const r = await svc.restrictions.recipient(s.request(recipient));
  s.notes('RCPT', r.state.notes, recipient);
  if (r.reply) s.reject('RCPT', r.reply, recipient);
  return r.reply;
}

/** vrfy - VRFY address: 252 when known (or not ours), the RCPT-time rejection when not. */
export async function vrfy(svc: SmtpdService, s: SmtpdSession, arg: string): Promise<Reply> {
  if (svc.settings.vrfyDisabled) return REPLY.vrfyDisabled();
  if (s.accessDenied) return s.accessDenied;
  const address = internalForm(arg.trim().replace(/^<(.*)>$/, '$1'));
  if (!address) return reply(501, '5.5.4', 'Syntax: VRFY address');
  const r = await svc.restrictions.vrfy(address);
  if (r) {
    s.reject('VRFY', r, address);
    return r;
  }
  return reply(252, '2.0.0', address);
}

const NOTIFY_BITS: Record<string, number> = { NEVER: 1, SUCCESS: 2, DELAY: 4, FAILURE: 8 };

/** cleanupBegin - the envelope and client facts cleanup receives. */
export function cleanupBegin(s: SmtpdSession, env: SMTPServerEnvelope): CleanupBegin {
  const args = (env.mailFrom && env.mailFrom.args) || {};
  const text = (v: string | true | undefined): string | undefined => (typeof v === 'string' ? v : undefined);
  // Postfix smtpd: CLEANUP_FLAG_MASK_EXTERNAL (header/body checks, address maps, always_bcc).
  let flags = CLEANUP_FLAG_MASK_EXTERNAL;
  if (s.hold) flags |= CLEANUP_FLAG.HOLD;
  if (s.discard) flags |= CLEANUP_FLAG.DISCARD;
  const begin: CleanupBegin = {
    type: 'begin',
    flags,
    sender: s.sender ?? '',
    recipients: env.rcptTo.map((r) => {
      const notify = r.dsn?.notify?.reduce((m, n) => m | (NOTIFY_BITS[n] ?? 0), 0);
      return {
        address: internalForm(r.address),
        ...(r.dsn?.orcpt ? { orcpt: r.dsn.orcpt } : {}),
        ...(notify ? { notify } : {}),
      };
    }),
    arrivalTime: Date.now(),
    attributes: {
      client_name: s.client.name,
      reverse_client_name: s.client.reverseName,
      client_address: s.client.addr,
      client_port: String(s.client.port),
      helo_name: s.helo ?? '',
      protocol: s.protocol,
      rewrite_context: 'remote',
    },
  };
  if (env.dsn?.envid) begin.envid = env.dsn.envid;
  if (env.dsn?.ret) begin.ret = env.dsn.ret === 'HDRS' ? 2 : 1;
  if (env.smtpUtf8) begin.smtputf8 = true;
  const body = text(args.BODY);
  if (body) begin.body = body.toUpperCase();
  const size = text(args.SIZE);
  if (size && /^\d+$/.test(size)) begin.sizeHint = Number(size);
  return begin;
}

/** data - DATA: data restrictions, then a queue file in cleanup (the 354 comes after). */
export async function data(svc: SmtpdService, s: SmtpdSession, env: SMTPServerEnvelope): Promise<Reply | undefined> {
  if (s.accessDenied) return s.accessDenied;
  const r = await svc.restrictions.data(s.request());
  s.notes('DATA', r.state.notes);
  if (r.reply) {
    s.reject('DATA', r.reply);
    return r.reply;
  }
  try {
    s.sink = await svc.openCleanup(cleanupBegin(s, env));
  } catch (err) {
    svc.log.warn(`${(err as Error).message}`);
    return REPLY.writeError();
  }
  s.queueId = s.sink.queueId;
  queueLogger(svc.log, s.queueId).info(`${s.queueId}: client=${s.namaddr}`);
  return undefined;
}
