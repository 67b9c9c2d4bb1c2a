/*
 * status - the texts and codes of delivery results, worded as Postfix's smtp(8) words
 * them, so logs and bounces read the same:
 *   host mx.example.net[127.0.0.2] said: 550 5.1.1 <u@x>: ... (in reply to RCPT TO command)
 *   host mx.example.net[127.0.0.2] refused to talk to me: 421 4.3.2 busy
 *   connect to mx.example.net[127.0.0.2]:25: Connection refused
 *   lost connection with mx.example.net[127.0.0.2] while sending RCPT TO
 *   conversation with mx.example.net[127.0.0.2] timed out while receiving the initial server greeting
 * Pure; used by handshake.ts, transaction.ts and deliver.ts.
 */
import { replyClass, replyDsn, replyText, type Reply } from './reply.js';
import { endpointName, type Endpoint, type SessionLost } from './session.js';

export type Status = 'sent' | 'deferred' | 'bounced';

/** One recipient's (or a whole attempt's) outcome, before relay and timing are added. */
export interface Outcome {
  status: Status;
  dsn: string;
  reason: string;
}

/** statusOf - sent, deferred or bounced for a reply (a malformed reply defers). */
export function statusOf(r: Reply): Status {
  const c = replyClass(r);
  return c === 2 ? 'sent' : c === 5 ? 'bounced' : 'deferred';
}

/** said - a server's refusal (or acceptance) of `command`. */
export function said(ep: Endpoint, r: Reply, command: string): Outcome {
  const status = statusOf(r);
  if (status === 'sent') return { status, dsn: replyDsn(r), reason: replyText(r) };
  return { status, dsn: replyDsn(r), reason: `host ${endpointName(ep)} said: ${replyText(r)} (in reply to ${command} command)` };
}

/** refused - a greeting that was not 2xx. */
export function refused(ep: Endpoint, r: Reply): Outcome {
  return { status: statusOf(r), dsn: replyDsn(r), reason: `host ${endpointName(ep)} refused to talk to me: ${replyText(r)}` };
}

/** lost - a connection that broke or timed out in `e.stage`. */
export function lost(ep: Endpoint, e: SessionLost): Outcome {
  const reason = e.timedOut
    ? `conversation with ${endpointName(ep)} timed out while ${e.stage}`
    : `lost connection with ${endpointName(ep)} while ${e.stage}`;
  return { status: 'deferred', dsn: '4.4.2', reason };
}

/** connectFailed - no connection could be made. */
export function connectFailed(ep: Endpoint, why: string): Outcome {
  const where = ep.port === undefined ? endpointName(ep) : `${endpointName(ep)}:${ep.port}`;
  return { status: 'deferred', dsn: '4.4.1', reason: `connect to ${where}: ${why}` };
}

/** soften - a hard failure treated as a soft one (a 5xx greeting that is skipped). */
export function soften(o: Outcome): Outcome {
  return o.status === 'bounced' ? { ...o, status: 'deferred', dsn: `4${o.dsn.slice(1)}` } : o;
}

/** xtext - RFC 3461 encoding of ORCPT and ENVID values. */
export function xtext(value: string): string {
  let out = '';
  for (const ch of Buffer.from(value, 'utf8')) {
    out += ch < 33 || ch > 126 || ch === 0x2b || ch === 0x3d ? `+${ch.toString(16).toUpperCase().padStart(2, '0')}` : String.fromCharCode(ch);
  }
  return out;
}

/** unxtext - decode `+XX` sequences (a value stored either way is sent encoded once). */
export function unxtext(value: string): string {
  if (!value.includes('+')) return value;
  return Buffer.from(value.replace(/\+([0-9A-Fa-f]{2})/g, (_, h: string) => String.fromCharCode(parseInt(h, 16))), 'latin1').toString('utf8');
}
