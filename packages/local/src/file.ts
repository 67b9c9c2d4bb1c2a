/*
 * file - deliver to a /file/name destination of an alias, .forward or :include: file:
 * an mbox file (locked, From_ line, >From quoting) or, for a name ending in `/`, a
 * Maildir; written with the rights of the alias owner, the .forward user or
 * default_privs (never root). Logged as `delivered to file: /path`.
 * Reads (through settings): allow_mail_to_files, prepend_delivered_header, default_privs.
 */
import { envelopeHeaders, MailboxError } from '@mailroom/global';
import { unprivileged } from './privs.js';
import { bounce, fail, sent, type Attr, type Delivery } from './state.js';
import { isMaildir, writeMailbox } from './write.js';

/** deliverFile - append the message to `path`. */
export async function deliverFile(d: Delivery, a: Attr, path: string): Promise<void> {
  const s = d.settings;
  if (!s.allowFiles.has(a.expType ?? '')) {
    bounce(d, a, '5.7.1', 'mail to file is restricted');
    return;
  }
  if (d.dup.beenHere(`file ${path}`)) return;
  if (path === '/dev/null') {
    sent(d, a, `delivered to file: ${path}`);
    return;
  }
  const headers = envelopeHeaders({
    returnPath: a.sender, originalTo: d.rcpt.original || d.rcpt.address,
    deliveredTo: s.deliveredHeader.has('file') ? a.delivered : undefined,
  });
  try {
    await writeMailbox(d, a, { path, headers, privs: unprivileged(a.privs, s.defaultPrivs), userPath: true, dotlockMayFail: true });
    sent(d, a, isMaildir(path) ? 'delivered to maildir' : `delivered to file: ${path}`);
  } catch (err) {
    if (!(err instanceof MailboxError)) throw err;
    const why = isMaildir(path) ? `maildir delivery failed: ${err.message}` : `cannot append message to file ${path}: ${err.message}`;
    fail(d, a, err.dsn, why);
  }
}
