/*
 * mailbox/errors - how a failed mailbox write is reported: an enhanced status code
 * (whose class decides defer or bounce, as in Postfix's mbox_dsn) and the C library's
 * text for the error. Used by mailbox/maildir, mailbox/mbox, mailbox/lock and the
 * local and virtual delivery agents. Reads no parameters.
 */
import { errnoCode } from '../queue/errors.js';
import { errnoText } from '../tables/types.js';

/** A delivery that failed with a status: `4.x.x` is deferred, `5.x.x` bounced. */
export class MailboxError extends Error {
  constructor(
    readonly dsn: string,
    message: string,
    readonly code?: string,
  ) {
    super(message);
    this.name = 'MailboxError';
  }
}

/** Texts errnoText does not know, as strerror(3) prints them. */
const MORE_TEXTS: Record<string, string> = {
  EFBIG: 'File too large',
  EDQUOT: 'Disk quota exceeded',
  EAGAIN: 'Resource temporarily unavailable',
  EWOULDBLOCK: 'Resource temporarily unavailable',
  ELOOP: 'Too many levels of symbolic links',
  ESTALE: 'Stale file handle',
  EXDEV: 'Invalid cross-device link',
  ENAMETOOLONG: 'File name too long',
  EBADF: 'Bad file descriptor',
};

/** strerror - the C library's text for a system error ("Permission denied"). */
export function strerror(err: unknown): string {
  const code = errnoCode(err);
  return (code && MORE_TEXTS[code]) || errnoText(err);
}

/** mboxDsn - Postfix's status for a mailbox write error: full disk 4.3.1, retry 4.2.0, over quota 5.2.2. */
export function mboxDsn(err: unknown, dflt: string): string {
  if (err instanceof MailboxError) return err.dsn;
  switch (errnoCode(err)) {
    case 'ENOSPC':
      return '4.3.1';
    case 'EAGAIN':
    case 'EWOULDBLOCK':
    case 'ESTALE':
      return '4.2.0';
    case 'EDQUOT':
    case 'EFBIG':
      return '5.2.2';
    default:
      return dflt;
  }
}

/** fileTooLarge - the error a write past the size limit gets (Postfix sets RLIMIT_FSIZE). */
export function fileTooLarge(): NodeJS.ErrnoException {
  const err: NodeJS.ErrnoException = new Error('File too large');
  err.code = 'EFBIG';
  return err;
}
