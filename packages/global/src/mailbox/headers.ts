/*
 * mailbox/headers - what a final delivery prepends to the message, in Postfix's order
 * (mail_copy): the mbox `From sender  date` line, `Return-Path: <sender>`,
 * `X-Original-To: recipient as received`, `Delivered-To: recipient`; and the reading of
 * existing Delivered-To: headers for mail forwarding loop detection. Pure functions; used
 * by the local, virtual and pipe delivery agents and by mailbox/mbox. Reads no parameters.
 */
import { externalForm, internalForm } from '../address/index.js';
import { asctime } from '../dates.js';

/** The sender shown in a From_ line for the null sender. */
export const MAILER_DAEMON = 'MAILER-DAEMON';

export interface EnvelopeHeaderSpec {
  /** Envelope sender ('' = null sender): Return-Path: <sender>. Omitted: no Return-Path. */
  returnPath?: string;
  /** The recipient as originally received: X-Original-To (omitted when empty). */
  originalTo?: string;
  /** The recipient being delivered: Delivered-To. */
  deliveredTo?: string;
}

/** envelopeHeaders - the prepended header lines (LF line ends) as one string. */
export function envelopeHeaders(h: EnvelopeHeaderSpec): string {
  let out = '';
  if (h.returnPath !== undefined) out += `Return-Path: <${externalForm(h.returnPath)}>\n`;
  if (h.originalTo) out += `X-Original-To: ${externalForm(h.originalTo)}\n`;
  if (h.deliveredTo !== undefined) out += `Delivered-To: ${externalForm(h.deliveredTo)}\n`;
  return out;
}



/** mboxFromLine - the UNIX mailbox envelope line: `From sender  Tue Nov  4 09:05:01 2025`. */
export function mboxFromLine(sender: string, when: Date = new Date()): string {
  return `From ${sender === '' ? MAILER_DAEMON : externalForm(sender)}  ${asctime(when)}\n`;
}

/**
 * deliveredToAddresses - the addresses of the Delivered-To: headers in the header
 * section of `head` (lower case), for `mail forwarding loop for ...` detection.
 * Stops at the first empty line; folded headers are unfolded.
 */
export function deliveredToAddresses(head: Buffer): Set<string> {
  const found = new Set<string>();
  // A cheap test first: most messages carry none (ASCII, case-insensitive).
  if (!/delivered-to:/i.test(head.toString('latin1'))) return found;
  const lines = head.toString('utf8').split('\n');
  let current = '';
  const flush = (): void => {
    const m = /^delivered-to:\s*(.*)$/is.exec(current);
    if (m) found.add(internalForm((m[1] as string).replace(/\s+/g, ' ').trim().replace(/^<(.*)>$/, '$1')).toLowerCase());
    current = '';
  };
  for (const raw of lines) {
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (line === '') break;
    if (/^[ \t]/.test(line)) {
      current += line;
      continue;
    }
    flush();
    current = line;
  }
  flush();
  return found;
}
