/*
 * mailbox/errors - how a failed mailbox write is reported: an enhanced status code
 * (whose class decides defer or bounce, as in Postfix's mbox_dsn) and the C library's
 * text for the error. Used by mailbox/maildir, mailbox/mbox, mailbox/lock and the
 * local and virtual delivery agents. Reads no parameters.
 */
import { errnoCode } from '../queue/errors.js';
import { strerror } from '../errno.js';

export { strerror };

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
