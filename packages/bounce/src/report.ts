/*
 * report - the two report parts of a notice: the human-readable recipient lines
 * (`<rcpt> (expanded from <orig>): reason`, wrapped as Postfix wraps them) and the
 * RFC 3464 message/delivery-status fields (per message, then per recipient). Pure;
 * used by compose.ts. Field names are RFC 3464's; the Postfix-specific ones are
 * X-<mail_name>-Queue-ID and X-<mail_name>-Sender, as Postfix derives them.
 */
import type { BounceRecipient, BounceRequest } from '@mailroom/global';
import type { BounceSettings } from './settings.js';
import { isAscii, lineWrap, mailDate, maskText } from './text.js';
import type { NoticeKind } from './templates.js';

/** expandedFrom - the original address worth naming: it differs from the final one. */
function expandedFrom(r: BounceRecipient): string {
  return r.original && r.original.toLowerCase() !== r.address.toLowerCase() ? r.original : '';
}

/** recipientLines - the human-readable lines of one recipient, wrapped at 79 columns. */
export function recipientLines(r: BounceRecipient, utf8: boolean): string[] {
  const orig = expandedFrom(r);
  const who = orig ? `<${r.address}> (expanded from <${orig}>)` : `<${r.address}>`;
  return lineWrap(maskText(`${who}: ${r.reason}`, utf8));
}

/**
 * diagnosticCode - `smtp; 550 5.1.1 ...` when the reason quotes a remote server's
 * reply (`host X said: 550 ... (in reply to RCPT TO command)`), else `X-<mail_name>; reason`.
 */
export function diagnosticCode(reason: string, mailName: string): string {
  const m = /\bsaid: (\d{3}(?:[ -].*?)?)(?: \(in reply to [^()]*\))?$/s.exec(reason);
  return m ? `smtp; ${m[1]}` : `X-${mailName}; ${reason}`;
}

/** addressType - `utf-8` for a non-ASCII address in an SMTPUTF8 report, else `rfc822`. */
function addressType(address: string, smtputf8: boolean): string {
  return smtputf8 && !isAscii(address) ? 'utf-8' : 'rfc822';
}

/** messageFields - the per-message fields of the delivery-status part. */
export function messageFields(req: BounceRequest, s: BounceSettings, smtputf8: boolean): string[] {
  const sender = req.sender || 'MAILER-DAEMON';
  const lines = [`Reporting-MTA: dns; ${s.myhostname}`];
  if (req.envid) lines.push(`Original-Envelope-Id: ${maskText(req.envid, false)}`);
  lines.push(`X-${s.mailName}-Queue-ID: ${req.queueId}`);
  lines.push(`X-${s.mailName}-Sender: ${addressType(sender, smtputf8)}; ${maskText(sender, smtputf8)}`);
  if (req.arrivalTime > 0) lines.push(`Arrival-Date: ${mailDate(req.arrivalTime)}`);
  return lines;
}

/** recipientFields - the per-recipient fields of one recipient (a blank line first). */
export function recipientFields(r: BounceRecipient, kind: NoticeKind, req: BounceRequest, s: BounceSettings, smtputf8: boolean): string[] {
  const lines = ['', `Final-Recipient: ${addressType(r.address, smtputf8)}; ${maskText(r.address, smtputf8)}`];
  // Postfix always reports Original-Recipient: the ORCPT as received, else the original address.
  if (r.orcpt) lines.push(`Original-Recipient: ${maskText(r.orcpt, smtputf8)}`);
  else if (r.original) lines.push(`Original-Recipient: ${addressType(r.original, smtputf8)}; ${maskText(r.original, smtputf8)}`);
  lines.push(`Action: ${kind === 'failure' ? 'failed' : r.action}`);
  lines.push(`Status: ${maskText(r.dsn, false)}`);
  if (r.remoteMta) {
    const mta = r.remoteMta.includes(';') ? r.remoteMta : `dns; ${r.remoteMta}`;
    lines.push(...lineWrap(maskText(`Remote-MTA: ${mta}`, smtputf8)));
  }
  lines.push(...lineWrap(maskText(`Diagnostic-Code: ${diagnosticCode(r.reason, s.mailName)}`, smtputf8)));
  if (kind === 'delay') lines.push(`Will-Retry-Until: ${mailDate(req.arrivalTime + s.maxQueueLifetime * 1000)}`);
  return lines;
}
