/*
 * replies - SMTP replies as Postfix words them. A Reply is code + enhanced status code
 * + text; smtpd's own replies are built here, and the replies smtp-server writes by
 * itself ("250 Accepted", "503 Error: need RCPT command") are mapped to Postfix's
 * wording by postfixReply(), so a client sees one server, not two.
 * Used by connection.ts (every reply goes through it), the restriction engine and the
 * transaction code. Reads no parameters (myhostname is passed in).
 */

export interface Reply {
  /** Three-digit SMTP code. */
  code: number;
  /** Enhanced status code (RFC 3463), e.g. 5.7.1. */
  dsn: string;
  text: string;
}

const DSN_AT_START = /^([245])\.\d{1,3}\.\d{1,3}(?=\s|$)/;

/** reply - a Reply whose enhanced code class is made to agree with the reply code (smtpd_dsn_fix). */
export function reply(code: number, dsn: string, text: string): Reply {
  const cls = String(code)[0] ?? '5';
  return { code, dsn: dsn[0] === cls ? dsn : `${cls}${dsn.slice(1)}`, text };
}

/** formatReply - `554 5.7.1 text`, the form written to the client and the log. */
export function formatReply(r: Reply): string {
  return `${r.code} ${r.dsn} ${r.text}`;
}

/** splitDsn - an enhanced code at the start of text, and the rest (access(5) `REJECT 5.7.0 text`). */
export function splitDsn(text: string): { dsn?: string; text: string } {
  const m = DSN_AT_START.exec(text);
  if (!m) return { text };
  return { dsn: m[0], text: text.slice(m[0].length).trimStart() };
}

/** Default enhanced code by reply class, for replies that carry none. */
function defaultDsn(code: number): string {
  if (code < 300) return '2.0.0';
  if (code < 500) return '4.0.0';
  return '5.0.0';
}

/**
 * Replies smtp-server writes by itself, by its text (and context where the text is
 * ambiguous), in Postfix's wording. `$host` is replaced by myhostname.
 */
const LIBRARY_REPLIES: Record<string, [number, string]> = {
  'MAIL_FROM_OK|Accepted': [250, '2.1.0 Ok'],
  'RCPT_TO_OK|Accepted': [250, '2.1.5 Ok'],
  'Bye': [221, '2.0.0 Bye'],
  'OK': [250, '2.0.0 Ok'],
  'Flushed': [250, '2.0.0 Ok'],
  'Error: need RCPT command': [503, '5.5.1 Error: need RCPT command'],
  'Error: need MAIL command': [503, '5.5.1 Error: need MAIL command'],
  'Error: nested MAIL command': [503, '5.5.1 Error: nested MAIL command'],
  'Error: send HELO/EHLO first': [503, '5.5.1 Error: send HELO/EHLO first'],
  'Error: command not recognized': [500, '5.5.2 Error: command not recognized'],
  'Error: too many unrecognized commands': [421, '4.7.0 $host Error: too many errors'],
  'Error: Bad sender address syntax': [501, '5.1.7 Bad sender address syntax'],
  'Error: Bad recipient address syntax': [501, '5.1.3 Bad recipient address syntax'],
  'Error: too many recipients': [452, '4.5.3 Error: too many recipients'],
  'Timeout - closing connection': [421, '4.4.2 $host Error: timeout exceeded'],
  'Server shutting down': [421, '4.3.2 $host Service shutting down, closing transmission channel'],
  'Error: Syntax: HELO hostname': [501, 'Syntax: HELO hostname'],
  'Error: syntax: EHLO hostname': [501, 'Syntax: EHLO hostname'],
  'Error: Bad hostname syntax': [501, 'Syntax: EHLO hostname'],
  'Error: Bad message size syntax': [501, '5.5.4 Bad message size syntax'],
  'Error: internal server error': [451, '4.3.0 Error: internal error'],
  'HTTP requests not allowed': [421, '4.7.0 $host Error: HTTP requests not allowed'],
  // STARTTLS and AUTH (smtp-server's SASL exchange).
  'Ready to start TLS': [220, '2.0.0 Ready to start TLS'],
  'Authentication successful': [235, '2.7.0 Authentication successful'],
  'Authentication aborted': [501, '5.7.0 Authentication aborted'],
  'Error: invalid userdata': [535, '5.7.8 Error: authentication failed: Invalid base64 data in initial response'],
  'Error: missing username': [535, '5.7.8 Error: authentication failed: Invalid base64 data in continued response'],
  'Error: No identity changes permitted': [503, '5.5.1 Error: already authenticated'],
  'Error: Unrecognized authentication type': [535, '5.7.8 Error: authentication failed: Invalid authentication mechanism'],
};

/**
 * postfixReply - the wire text (without CRLF) of a reply smtp-server asked to send.
 * Text that already starts with an enhanced code is ours and passes unchanged; `context`
 * false marks the greeting and EHLO/HELO replies, which carry no enhanced code.
 */
export function postfixReply(code: number, text: string, context: string | false | undefined, host: string): [number, string] {
  const known = LIBRARY_REPLIES[`${context || ''}|${text}`] ?? LIBRARY_REPLIES[text];
  if (known) return [known[0], known[1].replace('$host', host)];
  if (context === false || code === 354 || code === 334 || DSN_AT_START.test(text)) return [code, text];
  if (code === 552) return [552, '5.3.4 Message size exceeds fixed limit'];
  if (code === 501 && /parameter|NOTIFY|RET|BODY|SMTPUTF8/.test(text)) return [code, `5.5.4 ${text}`];
  return [code, `${defaultDsn(code)} ${text}`];
}

/** Replies smtpd writes in several places. */
export const REPLY = {
  queued: (queueId: string): Reply => reply(250, '2.0.0', `Ok: queued as ${queueId}`),
  tooBig: (): Reply => reply(552, '5.3.4', 'Error: message file too big'),
  writeError: (): Reply => reply(451, '4.3.0', 'Error: queue file write error'),
  configError: (): Reply => reply(451, '4.3.5', 'Server configuration error'),
  tempLookup: (what: string): Reply => reply(451, '4.3.0', `<${what}>: Temporary lookup failure`),
  noValidRecipients: (): Reply => reply(554, '5.5.1', 'Error: no valid recipients'),
  tooManyErrors: (host: string): Reply => reply(421, '4.7.0', `${host} Error: too many errors`),
  vrfyDisabled: (): Reply => reply(502, '5.5.1', 'VRFY command is disabled'),
} as const;
