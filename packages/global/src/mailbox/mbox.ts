/*
 * mailbox/mbox - append one message to a UNIX mailbox file, as Postfix's mbox_open and
 * mail_copy do: take the dot-lock (`path.lock`), open (creating the file 0600 when it is
 * missing, never following a symbolic link), take the fcntl/flock locks, check the open
 * file (a regular file with one link, owned by the recipient when that is required), write
 * `From sender  date`, the prepended headers, the content with ">From " quoting and an
 * empty line, fsync, and on any error truncate the file back to its old length.
 * Used by the local and virtual delivery agents (mailboxes, /file/name destinations) and
 * by the as-user helper. Lock and size settings are passed in.
 */
import fs from 'node:fs';
import { fsyncFd, openAsync } from '../queue/fsio.js';
import type { MessageContent } from './content.js';
import { MailboxError, mboxDsn, strerror } from './errors.js';
import { chownFd, writeMessage, type FileOwner } from './files.js';
import { dotLock, lockOpenFile, withPathMutex, type LockSettings } from './lock.js';

export interface MboxDelivery {
  path: string;
  /** The `From sender  date` line (with its LF). */
  fromLine: string;
  /** Lines prepended after the From_ line (Return-Path, X-Original-To, Delivered-To). */
  headers: string;
  content: MessageContent;
  /** Largest mailbox file allowed, bytes; 0 = no limit. */
  sizeLimit: number;
  lock: LockSettings;
  /** Owner given to a file this delivery creates (applied when running as root). */
  owner?: FileOwner;
  /** Refuse (4.2.0) a file not owned by this uid (strict_mailbox_ownership). */
  requireUid?: number;
  /** Go on without the dot-lock when it cannot be created (other than because it is held). */
  dotlockMayFail?: boolean;
}

const { O_WRONLY, O_APPEND, O_CREAT, O_EXCL, O_NOFOLLOW, O_NONBLOCK } = fs.constants;
const OPEN = O_WRONLY | O_APPEND | O_NOFOLLOW | O_NONBLOCK;

/** openMailbox - open for appending, creating it when missing; `created` says which. */
async function openMailbox(file: string): Promise<{ fd: number; created: boolean }> {
  try {
    return { fd: await openAsync(file, OPEN | O_CREAT | O_EXCL, 0o600), created: true };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
  return { fd: fs.openSync(file, OPEN), created: false };
}

/** checkOpened - what Postfix's safe_open checks on the opened file. */
function checkOpened(d: MboxDelivery, st: fs.Stats): void {
  if (!st.isFile()) throw new MailboxError('5.2.0', `destination ${d.path} is not a regular file`);
  if (st.nlink !== 1) throw new MailboxError('5.2.0', `destination ${d.path} has ${st.nlink} hard links`);
  if (d.requireUid !== undefined && st.uid !== d.requireUid) {
    throw new MailboxError('4.2.0', `destination ${d.path} is not owned by recipient`);
  }
}

/** deliverMbox - append the message; throws MailboxError. */
export function deliverMbox(d: MboxDelivery): Promise<void> {
  return withPathMutex(d.path, async () => {
    let lockFile: string | undefined;
    if (d.lock.methods.includes('dotlock')) {
      try {
        lockFile = await dotLock(d.path, d.lock);
      } catch (err) {
        // A busy lock always waits; another failure (no permission to create it) may be survivable.
        if (!d.dotlockMayFail || (err as MailboxError).code === 'EEXIST') throw err;
      }
    }
    try {
      await appendLocked(d);
    } finally {
      if (lockFile) fs.rmSync(lockFile, { force: true });
    }
  });
}

async function appendLocked(d: MboxDelivery): Promise<void> {
  let opened: { fd: number; created: boolean };
  try {
    opened = await openMailbox(d.path);
  } catch (err) {
    if (err instanceof MailboxError) throw err;
    throw new MailboxError(mboxDsn(err, '5.2.0'), `cannot open file: ${strerror(err)}`, (err as NodeJS.ErrnoException).code);
  }
  const { fd, created } = opened;
  let start = -1;
  try {
    if (created) chownFd(fd, d.owner);
    const st = fs.fstatSync(fd);
    if (!created) checkOpened(d, st);
    await lockOpenFile(fd, d.lock);
    start = fs.fstatSync(fd).size; // after the lock: another writer may just have finished
    await writeMessage(fd, { prefix: d.fromLine + d.headers, content: d.content, quoteFrom: true, trailer: '\n', limit: d.sizeLimit, start });
    await fsyncFd(fd);
  } catch (err) {
    if (start >= 0) {
      try {
        fs.ftruncateSync(fd, start);
      } catch {
        // nothing more can be done; the error below is what counts
      }
    }
    fs.closeSync(fd);
    if (err instanceof MailboxError) throw err;
    throw new MailboxError(mboxDsn(err, '5.2.0'), `error writing message: ${strerror(err)}`, (err as NodeJS.ErrnoException).code);
  }
  fs.closeSync(fd);
}
