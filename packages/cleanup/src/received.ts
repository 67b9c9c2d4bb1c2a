/*
 * received - the headers cleanup writes itself, in Postfix's formats: our Received:
 * (smtpd's form for network clients, with TLS and SASL facts; pickup's `from userid`
 * form for local submissions), Message-Id: (`<YYYYMMDDhhmmss.QUEUEID@$myhostname>`)
 * and the RFC 5322 date of mail_date(3) (`Tue,  1 Apr 2025 10:00:00 +0200 (CEST)`).
 * Pure functions; used by headers.ts. Parameters come in through CleanupSettings.
 */
import { externalForm, mailDate, type CleanupBegin } from '@mailroom/global';

export { mailDate };
import type { CleanupSettings } from './settings.js';

const two = (n: number): string => String(n).padStart(2, '0');

/** messageIdFor - `YYYYMMDDhhmmss.QUEUEID@myhostname` (UTC), without the brackets. */
export function messageIdFor(queueId: string, myhostname: string, ms: number): string {
  const d = new Date(ms);
  const stamp = `${d.getUTCFullYear()}${two(d.getUTCMonth() + 1)}${two(d.getUTCDate())}${two(d.getUTCHours())}${two(d.getUTCMinutes())}${two(d.getUTCSeconds())}`;
  return `${stamp}.${queueId}@${myhostname}`;
}

/** rfcAddr - a client address as Received: shows it (`IPv6:` prefix for IPv6). */
function rfcAddr(addr: string): string {
  return addr.includes(':') && !addr.startsWith('IPv6:') ? `IPv6:${addr}` : addr;
}

/**
 * receivedHeader - our Received: header (lines joined by \n, continuation lines start
 * with a tab). `at` is the arrival time.
 */
export function receivedHeader(begin: CleanupBegin, queueId: string, s: CleanupSettings, at: number): string {
  const a = begin.attributes;
  const date = mailDate(at);
  const lines: string[] = [];
  let by: string;
  if (a.client_address) {
    const name = a.client_name || 'unknown';
    lines.push(`Received: from ${a.helo_name || name} (${name} [${rfcAddr(a.client_address)}])`);
    if (a.tls) lines.push(`\t(using ${a.tls})`);
    if (s.saslHeader && a.sasl_username) lines.push(`\t(Authenticated sender: ${a.sasl_username})`);
    by = `\tby ${s.myhostname} (${s.mailName}) with ${a.protocol || 'ESMTP'} id ${queueId}`;
  } else {
    const who = a.submit_uid !== undefined ? `${s.mailName}, from userid ${a.submit_uid}` : s.mailName;
    if (a.helo_name) lines.push(`Received: from ${a.helo_name}`);
    const head = a.helo_name ? '\tby' : 'Received: by';
    const proto = a.protocol ? ` with ${a.protocol}` : '';
    by = a.protocol ? `${head} ${s.myhostname} (${who})${proto} id ${queueId}` : `${head} ${s.myhostname} (${who})\n\tid ${queueId}`;
  }
  const only = begin.recipients.length === 1 ? begin.recipients[0] : undefined;
  if (a.client_address && only) {
    lines.push(by, `\tfor <${externalForm(only.address)}>; ${date}`);
  } else if (a.client_address) {
    lines.push(`${by};`, `\t${date}`);
  } else {
    lines.push(`${by}; ${date}`);
  }
  return lines.join('\n');
}
