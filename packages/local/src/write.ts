/*
 * write - write a message into a Maildir or UNIX mailbox with the right rights: in this
 * process (as root: files created and then handed to the owner with fchown) where the
 * directories are the administrator's (mail_spool_directory), or in a helper process
 * running as the user where the user controls the path (home directories, /file/name
 * destinations), so that a symbolic link planted there cannot redirect a root write.
 * Reads (through settings): mailbox_delivery_lock, deliver_lock_*, stale_lock_time,
 * mailbox_size_limit.
 */
import { deliverAsUser, deliverMaildir, deliverMbox, mboxFromLine, type FileOwner } from '@mailroom/global';
import { switchUser, type Privs } from './privs.js';
import type { Attr, Delivery } from './state.js';

export interface WriteTarget {
  /** Maildir when it ends in `/`, else an mbox file. */
  path: string;
  /** Prepended headers (Return-Path, X-Original-To, Delivered-To). */
  headers: string;
  /** Whose the mailbox is. */
  privs: Privs;
  /** true: the user controls the path (home directory, /file/name): write as the user. */
  userPath: boolean;
  /** The mbox file must belong to the user (strict_mailbox_ownership). */
  requireOwner?: boolean;
  /** Go on without the dot-lock when it cannot be created (file destinations). */
  dotlockMayFail?: boolean;
}

/** isMaildir - a destination ending in `/` is a Maildir. */
export const isMaildir = (path: string): boolean => path.endsWith('/');

/** writeMailbox - deliver to the target; throws MailboxError. */
export async function writeMailbox(d: Delivery, a: Attr, t: WriteTarget): Promise<void> {
  const s = d.settings;
  const owner: FileOwner = { uid: t.privs.uid, gid: t.privs.gid };
  const asUser = t.userPath && switchUser(t.privs);
  if (isMaildir(t.path)) {
    if (asUser) await deliverAsUser(owner, { kind: 'maildir', dir: t.path, headers: t.headers, sizeLimit: s.mailboxSizeLimit }, d.content);
    else await deliverMaildir({ dir: t.path, headers: t.headers, content: d.content, sizeLimit: s.mailboxSizeLimit, owner });
    return;
  }
  const job = {
    path: t.path, fromLine: mboxFromLine(a.sender), headers: t.headers, sizeLimit: s.mailboxSizeLimit, lock: s.lock,
    // Only a root process can tell: an ordinary one owns every file it creates.
    requireUid: t.requireOwner && switchUser(t.privs) ? t.privs.uid : undefined,
    dotlockMayFail: t.dotlockMayFail,
  };
  if (asUser) await deliverAsUser(owner, { kind: 'mbox', ...job }, d.content);
  else await deliverMbox({ ...job, content: d.content, owner });
}
