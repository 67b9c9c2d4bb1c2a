/*
 * transaction - what smtpd does for each step of the dialogue, apart from SMTP syntax
 * (smtp-server's) and bytes (input.ts): connect (hostname, limits, client restrictions),
 * MAIL, RCPT, DATA (restrictions, opening cleanup) and VRFY. Each step returns the reply
 * to refuse with, or undefined to go on; logging is Postfix's (session.ts).
 * At smtpd_tls_security_level = encrypt, MAIL and VRFY need TLS first (530 5.7.0).
 * AUTH (auth()) asks the SASL backend and words Postfix's replies and warnings.
 * The message itself is streamed by message.ts.
 */
import { CLEANUP_FLAG, CLEANUP_FLAG_MASK_EXTERNAL, internalForm, queueLogger, type CleanupBegin } from '@mailroom/global';
import type { SMTPServerAddress, SMTPServerEnvelope } from 'smtp-server';
import { REPLY, reply, type Reply } from './replies.js';
import type { AuthRequest } from './sasl/index.js';
import type { SmtpdService } from './services.js';
import type { SmtpdSession } from './session.js';
import { queueSpaceReply } from './queue-space.js';

/** connect - before the greeting: undefined to greet, or a 421 to refuse the client with. */
export async function connect(svc: SmtpdService, s: SmtpdSession): Promise<Reply | undefined> {
  Object.assign(s.client, await svc.peer(s.client.addr));
  svc.log.info(`connect from ${s.namaddr}`);
  s.connected = true;
  if (s.tls) tlsEstablished(svc, s); // implicit TLS (wrappermode): the handshake came first
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

/** tlsEstablished - Postfix's `Anonymous TLS connection established from ...` (smtpd_tls_loglevel >= 1). */
export function tlsEstablished(svc: SmtpdService, s: SmtpdSession): void {
  if (svc.settings.tls.loglevel >= 1 && s.connected) svc.log.info(`Anonymous TLS connection established from ${s.namaddr}: ${s.tls ?? ''}`);
}

/** tlsRequired - at the encrypt level, the refusal for a command that needs TLS first. */
export function tlsRequired(svc: SmtpdService, s: SmtpdSession): Reply | undefined {
  if (svc.settings.tls.level !== 'encrypt' || s.tls) return undefined;
  if (!svc.tls.material) return reply(454, '4.7.0', 'TLS not available due to local problem');
  return reply(530, '5.7.0', 'Must issue a STARTTLS command first');
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

/** mail - MAIL FROM: the sender, sender restrictions when they are not delayed, then queue space. */
export async function mail(svc: SmtpdService, s: SmtpdSession, from: SMTPServerAddress): Promise<Reply | undefined> {
  if (s.accessDenied) return s.accessDenied;
  const noTls = tlsRequired(svc, s);
  if (noTls) return noTls;
  s.sender = internalForm(from.address);
  if (!svc.settings.lists.delayReject) {
    const r = await svc.restrictions.sender(s.request());
    s.notes('MAIL', r.state.notes);
    if (r.reply) {
      s.reject('MAIL', r.reply);
      s.sender = undefined;
      return r.reply;
    }
  }
  const st = svc.settings;
  const full = queueSpaceReply(st.queueDirectory, st.queueMinfree, st.messageSizeLimit, svc.log);
  if (full) {
    s.reject('MAIL', full);
    s.sender = undefined;
  }
  return full;
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
  const noTls = tlsRequired(svc, s);
  if (noTls) return noTls;
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
export function cleanupBegin(s: SmtpdSession, env: SMTPServerEnvelope, tlsHeader = false): CleanupBegin {
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
      protocol: s.receivedProtocol,
      rewrite_context: 'remote',
    },
  };
  if (s.tls && tlsHeader) begin.attributes.tls = s.tls;
  if (s.saslUser) {
    begin.attributes.sasl_method = s.saslMethod ?? '';
    begin.attributes.sasl_username = s.saslUser;
  }
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
    s.sink = await svc.openCleanup(cleanupBegin(s, env, svc.settings.tls.receivedHeader));
  } catch (err) {
    svc.log.warn(`${(err as Error).message}`);
    return REPLY.writeError();
  }
  s.queueId = s.sink.queueId;
  queueLogger(svc.log, s.queueId).info(`${s.queueId}: client=${s.namaddr}${s.saslText}`);
  return undefined;
}

/** What AUTH resolves to: the login, or the refusal to send. */
export type AuthOutcome = { user: string } | { refusal: Reply };

/**
 * auth - one AUTH attempt with decoded credentials: ask the backend; on failure log
 * `warning: host[addr]: SASL PLAIN authentication failed: reason, sasl_username=alice`
 * and refuse with 535 5.7.8 (454 4.7.0 when the backend failed temporarily).
 */
export async function auth(svc: SmtpdService, s: SmtpdSession, req: Omit<AuthRequest, 'service' | 'secured' | 'clientAddr' | 'clientPort'>): Promise<AuthOutcome> {
  const backend = svc.sasl;
  let r;
  if (!backend) {
    r = { ok: false as const, temporary: true, reason: 'SASL backend not available' };
  } else {
    try {
      r = await backend.authenticate({ ...req, service: svc.settings.sasl.service, secured: !!s.tls, clientAddr: s.client.addr, clientPort: s.client.port });
    } catch (err) {
      r = { ok: false as const, temporary: true, reason: (err as Error).message };
    }
  }
  if (r.ok) {
    s.saslUser = r.user;
    s.saslMethod = req.mechanism;
    return { user: r.user };
  }
  const reason = r.reason || '(reason unavailable)';
  svc.log.warn(`${s.namaddr}: SASL ${req.mechanism} authentication failed: ${reason}, sasl_username=${req.username}`);
  if (r.temporary) return { refusal: reply(454, '4.7.0', `Temporary authentication failure: ${reason}`) };
  return { refusal: reply(535, '5.7.8', `Error: authentication failed: ${reason}`) };
}
