/*
 * mailbox/maildir - deliver one message into a Maildir (qmail's maildir(5)): create a
 * unique file in tmp/ (O_EXCL), write the prepended headers and the content (LF line
 * ends), fsync, close, and rename it into new/ as `time.M<usec>P<pid>Q<n>.host,S=<size>`.
 * One create, one write for ordinary mail, one fsync and one rename per message: the
 * calls that wait for the disk go to the thread pool, the rest run inline. Missing
 * tmp/, new/ and cur/ (and parents) are created on demand, mode 0700. A failed
 * delivery leaves nothing behind. Used by the local and virtual delivery agents and by
 * the as-user helper. Limits are passed in (mailbox_size_limit, virtual_mailbox_limit).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fsyncFd, openAsync, renameAsync } from '../queue/fsio.js';
import type { MessageContent } from './content.js';
import { MailboxError, mboxDsn, strerror } from './errors.js';
import { chownFd, makeDirs, writeMessage, type FileOwner } from './files.js';

export interface MaildirDelivery {
  /** The Maildir (trailing slash optional). */
  dir: string;
  /** Lines prepended to the message (Return-Path, X-Original-To, Delivered-To). */
  headers: string;
  content: MessageContent;
  /** Largest message file allowed, bytes; 0 = no limit. */
  sizeLimit: number;
  /** Owner of created files and directories (applied when running as root). */
  owner?: FileOwner;
}

const CREATE = fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_EXCL | fs.constants.O_NOFOLLOW;
let counter = 0;
let host: string | undefined;

/** maildirHost - gethostname() with `/` and `:` written as \057 and \072 (maildir(5)). */
function maildirHost(): string {
  host ??= os.hostname().replace(/\//g, '\\057').replace(/:/g, '\\072');
  return host;
}

/** uniqueName - `sec.M<usec>P<pid>Q<count>.host`: unique per host without asking the disk. */
export function uniqueName(now = Date.now()): string {
  const usec = Math.floor((performance.timeOrigin + performance.now()) * 1000) % 1_000_000;
  return `${Math.floor(now / 1000)}.M${usec}P${process.pid}Q${++counter}.${maildirHost()}`;
}

const enoent = (err: unknown): boolean => (err as NodeJS.ErrnoException).code === 'ENOENT';

function failure(err: unknown, text: string): MailboxError {
  return new MailboxError(mboxDsn(err, '5.2.0'), text, (err as NodeJS.ErrnoException).code);
}

/** deliverMaildir - deliver; returns the new file's path. Throws MailboxError. */
export async function deliverMaildir(d: MaildirDelivery): Promise<string> {
  const name = uniqueName();
  const tmp = path.join(d.dir, 'tmp', name);
  let fd: number;
  try {
    fd = await openAsync(tmp, CREATE, 0o600).catch(async (err: unknown) => {
      if (!enoent(err)) throw err;
      makeDirs(path.join(d.dir, 'tmp'), 0o700, d.owner);
      return openAsync(tmp, CREATE, 0o600);
    });
  } catch (err) {
    throw failure(err, `create maildir file ${tmp}: ${strerror(err)}`);
  }
  let size: number;
  try {
    chownFd(fd, d.owner);
    size = await writeMessage(fd, { prefix: d.headers, content: d.content, quoteFrom: false, limit: d.sizeLimit, start: 0 });
    await fsyncFd(fd);
  } catch (err) {
    fs.closeSync(fd);
    fs.rmSync(tmp, { force: true });
    throw failure(err, `error writing message: ${strerror(err)}`);
  }
  fs.closeSync(fd);
  const dest = path.join(d.dir, 'new', `${name},S=${size}`);
  try {
    await renameAsync(tmp, dest).catch(async (err: unknown) => {
      if (!enoent(err)) throw err;
      makeDirs(path.join(d.dir, 'cur'), 0o700, d.owner);
      makeDirs(path.join(d.dir, 'new'), 0o700, d.owner);
      return renameAsync(tmp, dest);
    });
  } catch (err) {
    fs.rmSync(tmp, { force: true });
    throw failure(err, `link to ${dest}: ${strerror(err)}`);
  }
  return dest;
}
