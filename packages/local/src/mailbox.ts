/*
 * mailbox - the mailbox step of local delivery, for a user in the passwd database:
 * mailbox_transport (hand over), mailbox_command (run as the user, root's as
 * default_privs), home_mailbox (relative to the home directory; trailing `/` = Maildir;
 * written as the user), or mail_spool_directory/user (an mbox file, or a Maildir when the
 * directory ends in `/`; written by local and given to the user). Logged as
 * `delivered to maildir`, `delivered to mailbox` or `delivered to command: ...`.
 * Reads (through settings): mailbox_transport, mailbox_command, command_expansion_filter,
 * home_mailbox, mail_spool_directory, strict_mailbox_ownership, default_privs.
 */
import path from 'node:path';
import { envelopeHeaders, lookupUser, MailboxError } from '@mailroom/global';
import { runCommand } from './command.js';
import { localAttributes, localExpand } from './expand.js';
import { passTo } from './pass.js';
import { unprivileged, userPrivs } from './privs.js';
import type { LocalParts } from './recipient.js';
import { fail, record, sent, type Attr, type Delivery } from './state.js';
import { isMaildir, writeMailbox } from './write.js';

/** mailboxPath - where the user's mailbox is, and whether the user controls that path. */
function mailboxPath(d: Delivery, user: string, home: string): { file: string; userPath: boolean } {
  const s = d.settings;
  if (s.homeMailbox) return { file: path.join(home, s.homeMailbox) + (isMaildir(s.homeMailbox) ? '/' : ''), userPath: true };
  return { file: path.join(s.mailSpoolDirectory, user) + (isMaildir(s.mailSpoolDirectory) ? '/' : ''), userPath: false };
}

/** deliverMailbox - deliver to the user's mailbox; false when there is no such user. */
export async function deliverMailbox(d: Delivery, a: Attr, p: LocalParts): Promise<boolean> {
  const s = d.settings;
  if (d.dup.beenHere(`mailbox ${p.local}`)) return true;
  if (s.mailboxTransport) {
    await passTo(d, a, s.mailboxTransport);
    return true;
  }
  const u = lookupUser(p.user);
  if (!u) return false;
  const privs = userPrivs(u);
  if (s.mailboxCommand) {
    const command = localExpand(s, s.mailboxCommand, localAttributes(s, { recipient: a.address, home: u.home }), s.commandFilter);
    const st = await runCommand(d, { ...a, delivered: a.address }, command, unprivileged(privs, s.defaultPrivs));
    record(d, a.address, st.status, st.dsn, st.reason);
    return true;
  }
  const { file, userPath } = mailboxPath(d, p.user, u.home);
  const headers = envelopeHeaders({ returnPath: a.sender, originalTo: d.rcpt.original || d.rcpt.address, deliveredTo: a.address });
  try {
    await writeMailbox(d, a, { path: file, headers, privs, userPath, requireOwner: s.strictOwnership });
    sent(d, a, isMaildir(file) ? 'delivered to maildir' : 'delivered to mailbox');
  } catch (err) {
    if (!(err instanceof MailboxError)) throw err;
    const why = isMaildir(file) ? `maildir delivery failed: ${err.message}` : `cannot update mailbox ${file} for user ${p.user}. ${err.message}`;
    fail(d, a, err.dsn, why);
  }
  return true;
}
