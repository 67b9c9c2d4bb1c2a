/*
 * header-opts - what cleanup knows about each message header name (Postfix's
 * header_opts table): sender or recipient address lists, recipients for `sendmail -t`,
 * Resent- headers, MIME headers (checked by mime_header_checks). Also the header
 * syntax test. Pure; used by header-split.ts, headers.ts and mime.ts.
 */

export const HDR = {
  /** Holds sender addresses (rewritten as senders). */
  SENDER: 1,
  /** Holds recipient addresses (rewritten as recipients). */
  RECIP: 2,
  /** Recipients for `sendmail -t` (To, Cc, Bcc and their Resent- forms). */
  EXTRACT: 4,
  /** A Resent- header. */
  RR: 8,
  /** A MIME header: inspected by mime_header_checks, not header_checks. */
  MIME: 16,
} as const;

const { SENDER, RECIP, EXTRACT, RR, MIME } = HDR;

const OPTS: Readonly<Record<string, number>> = {
  'apparently-to': RECIP,
  bcc: RECIP | EXTRACT,
  cc: RECIP | EXTRACT,
  'content-description': MIME,
  'content-disposition': MIME,
  'content-id': MIME,
  'content-transfer-encoding': MIME,
  'content-type': MIME,
  'disposition-notification-to': SENDER,
  'errors-to': SENDER,
  from: SENDER,
  'mail-followup-to': SENDER,
  'mime-version': MIME,
  'reply-to': SENDER,
  'resent-bcc': RECIP | EXTRACT | RR,
  'resent-cc': RECIP | EXTRACT | RR,
  'resent-date': RR,
  'resent-from': SENDER | RR,
  'resent-message-id': RR,
  'resent-reply-to': RECIP | RR,
  'resent-sender': SENDER | RR,
  'resent-to': RECIP | EXTRACT | RR,
  'return-path': SENDER,
  'return-receipt-to': SENDER,
  sender: SENDER,
  to: RECIP | EXTRACT,
};

/** headerFlags - the HDR bits of a header name (lower case). */
export function headerFlags(name: string): number {
  return OPTS[name] ?? 0;
}

/** headerName - the lower-case name of a header line, or undefined if it is not one. */
export function headerName(line: string): string | undefined {
  const m = /^([\x21-\x39\x3b-\x7e]+)[ \t]*:/.exec(line);
  return m ? (m[1] as string).toLowerCase() : undefined;
}

/** isHeaderText - true when text reads `name: value` (for PREPEND/REPLACE results). */
export function isHeaderText(text: string): boolean {
  return headerName(text) !== undefined;
}
