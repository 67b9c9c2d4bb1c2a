/*
 * compose - one delivery status notification in RFC 3464 form, as Postfix's
 * bounce_notify_util writes it:
 *
 *   From/Subject/To/Auto-Submitted/MIME headers, multipart/report; report-type=delivery-status
 *   1. text/plain "Notification": boiler-plate (not in postmaster copies) and
 *      `<rcpt>: reason` lines
 *   2. message/delivery-status "Delivery report": per-message and per-recipient fields
 *   3. the original: message/rfc822 (whole) or text/rfc822-headers (headers only),
 *      message/global(-headers) for SMTPUTF8 mail, after a Return-Path: header
 *
 * Lines end in LF. Pure apart from the clock; used by service.ts.
 */
import { externalForm, type BounceRequest } from '@mailroom/global';
import type { Original } from './original.js';
import type { NoticePlan } from './plan.js';
import { messageFields, recipientFields, recipientLines } from './report.js';
import type { BounceSettings } from './settings.js';
import { template } from './templates.js';
import { isAscii, mailDate } from './text.js';

export interface ComposedNotice {
  /** Envelope of the notice. */
  sender: string;
  recipient: string;
  /** The message: the parts before the original, the original, the end. */
  content(): AsyncIterable<Buffer>;
  /** The notice needs SMTPUTF8 (the original did). */
  smtputf8: boolean;
}

/** boundary - Postfix's `queueid.time/myhostname`: unique enough, never in the text. */
function boundary(queueId: string, nowMs: number, host: string): string {
  return `${queueId}.${Math.floor(nowMs / 1000)}/${host}`;
}

function returnedPart(plan: NoticePlan, orig: Original, smtputf8: boolean): string[] {
  const undelivered = plan.kind !== 'success' ? 'Undelivered ' : '';
  const type = smtputf8
    ? (orig.headersOnly ? 'message/global-headers' : 'message/global')
    : (orig.headersOnly ? 'text/rfc822-headers' : 'message/rfc822');
  const lines = [`Content-Description: ${undelivered}${orig.headersOnly ? 'Message Headers' : 'Message'}`, `Content-Type: ${type}`];
  if (orig.eightBit) lines.push('Content-Transfer-Encoding: 8bit');
  return lines;
}

/** composeNotice - the notice described by `plan` about the request's message. */
export function composeNotice(req: BounceRequest, plan: NoticePlan, orig: Original, s: BounceSettings, nowMs = Date.now()): ComposedNotice {
  const t = template(plan.kind);
  const smtputf8 = orig.smtputf8;
  const bnd = boundary(req.queueId, nowMs, s.myhostname);
  const human: string[] = plan.postmasterCopy ? [] : t.body(s);
  for (const r of plan.recipients) human.push('', ...recipientLines(r, smtputf8));
  const dsn = messageFields(req, s, smtputf8);
  for (const r of plan.recipients) dsn.push(...recipientFields(r, plan.kind, req, s, smtputf8));
  const humanUtf8 = !human.every(isAscii);
  const dsnUtf8 = !dsn.every(isAscii);
  const eightBit = humanUtf8 || dsnUtf8 || orig.eightBit;

  const head = [
    `From: MAILER-DAEMON@${s.myhostname} (${t.fromName})`,
    `Subject: ${plan.postmasterCopy ? t.postmasterSubject : t.subject}`,
    `To: ${externalForm(plan.recipient)}`,
    `Date: ${mailDate(nowMs)}`,
    `Auto-Submitted: ${plan.postmasterCopy ? 'auto-generated' : 'auto-replied'}`,
    'MIME-Version: 1.0',
    'Content-Type: multipart/report; report-type=delivery-status;',
    `\tboundary="${bnd}"`,
    `Content-Transfer-Encoding: ${eightBit ? '8bit' : '7bit'}`,
    '',
    'This is a MIME-encapsulated message.',
    '',
    `--${bnd}`,
    'Content-Description: Notification',
    `Content-Type: text/plain; charset=${humanUtf8 ? 'utf-8' : 'us-ascii'}`,
    ...(humanUtf8 ? ['Content-Transfer-Encoding: 8bit'] : []),
    '',
    ...human,
    '',
    `--${bnd}`,
    'Content-Description: Delivery report',
    `Content-Type: message/${smtputf8 ? 'global-' : ''}delivery-status`,
    ...(dsnUtf8 && smtputf8 ? ['Content-Transfer-Encoding: 8bit'] : []),
    '',
    ...dsn,
    '',
    `--${bnd}`,
    ...returnedPart(plan, orig, smtputf8),
    '',
  ];
  const available = orig.data !== null || orig.stream !== undefined;
  if (available) head.push(`Return-Path: <${externalForm(req.sender) || 'MAILER-DAEMON'}>`);
  else head.push('\t--- Undelivered message unavailable ---');
  const headBuf = Buffer.from(`${head.join('\n')}\n`, 'utf8');
  const end = `\n--${bnd}--\n`;

  return {
    sender: plan.envelopeSender,
    recipient: plan.recipient,
    smtputf8,
    async *content() {
      yield headBuf;
      let last = 10;
      const pieces: AsyncIterable<Buffer> | Buffer[] = orig.stream ? orig.stream() : orig.data ? [orig.data] : [];
      for await (const piece of pieces) {
        if (piece.length === 0) continue;
        last = piece[piece.length - 1] as number;
        yield piece;
      }
      // The original may end without a newline; the closing boundary needs a line of its own.
      yield Buffer.from(last === 10 ? end : `\n${end}`);
    },
  };
}
