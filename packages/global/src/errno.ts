/*
 * errno - the C library's text for a system error, as Postfix prints `%m`
 * ("Permission denied"), so that our log lines and replies read like Postfix's. Node's
 * own messages ("EACCES: permission denied, open '...'") are the fallback for the
 * codes not listed. Used by tables, mailboxes, the smtp client and the commands.
 */

const TEXTS: Readonly<Record<string, string>> = {
  ENOENT: 'No such file or directory',
  EACCES: 'Permission denied',
  EPERM: 'Operation not permitted',
  EISDIR: 'Is a directory',
  ENOTDIR: 'Not a directory',
  EEXIST: 'File exists',
  ENOTEMPTY: 'Directory not empty',
  ENOSPC: 'No space left on device',
  EDQUOT: 'Disk quota exceeded',
  EFBIG: 'File too large',
  EROFS: 'Read-only file system',
  EMFILE: 'Too many open files',
  EIO: 'Input/output error',
  EAGAIN: 'Resource temporarily unavailable',
  EWOULDBLOCK: 'Resource temporarily unavailable',
  ELOOP: 'Too many levels of symbolic links',
  ESTALE: 'Stale file handle',
  EXDEV: 'Invalid cross-device link',
  ENAMETOOLONG: 'File name too long',
  EBADF: 'Bad file descriptor',
  EPIPE: 'Broken pipe',
  ECONNREFUSED: 'Connection refused',
  ECONNRESET: 'Connection reset by peer',
  ETIMEDOUT: 'Connection timed out',
  EHOSTUNREACH: 'No route to host',
  ENETUNREACH: 'Network is unreachable',
  EADDRNOTAVAIL: 'Cannot assign requested address',
  EAFNOSUPPORT: 'Address family not supported by protocol',
  ENOTSOCK: 'Socket operation on non-socket',
};

/** strerror - strerror(3)'s text for the error's code, else the error's own message. */
export function strerror(err: unknown): string {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  if (code && TEXTS[code]) return TEXTS[code];
  return err instanceof Error ? err.message : String(err);
}
