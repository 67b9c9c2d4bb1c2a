/*
 * file - open one maildrop file the way a daemon must open a file from an untrusted
 * user, and decide what it is:
 *   skip  gone, or not complete yet (no owner-execute bit: its writer is still busy);
 *   bad   a symbolic link, not a regular file, more than one hard link (it could be
 *         another user's file), unreadable as a queue file, oversized, without sender
 *         or recipients, or with control characters in an address: moved aside;
 *   ok    an open descriptor, its stat (owner uid, mtime) and the parsed envelope.
 * The file is opened once (O_NOFOLLOW | O_NONBLOCK) and everything after reads that
 * descriptor (through /proc/self/fd where it exists), so a user who swaps the name
 * after the checks cannot make pickup read a file of someone else's.
 * Reads: message_size_limit (through the caller's limit).
 */
import fs from 'node:fs';
import { CLEANUP_FLAG, isQueueFileError, readQueueFileSync, type QueueFile, type Spool } from '@mailroom/global';

export interface MaildropFile {
  id: string;
  path: string;
  fd: number;
  /** Path that reads this descriptor (not the name in maildrop/). */
  fdPath: string;
  st: fs.Stats;
  qf: QueueFile;
  extract: boolean;
}

export type OpenResult =
  | { kind: 'ok'; file: MaildropFile }
  | { kind: 'skip'; warning?: string }
  | { kind: 'bad'; reason: string; uid?: number };

const OPEN_FLAGS = fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW | fs.constants.O_NONBLOCK;
const PROC_FD = fs.existsSync('/proc/self/fd');
/** Addresses longer than this are not mail addresses (Postfix's line_length_limit). */
const MAX_ADDRESS = 2048;

/** badAddress - a reason when an address could inject lines or is absurdly long. */
function badAddress(what: string, a: string): string | undefined {
  if (a.length > MAX_ADDRESS) return `${what} address too long`;
  // eslint-disable-next-line no-control-regex
  if (/[\x00-\x1f\x7f]/.test(a)) return `${what} address contains control characters`;
  return undefined;
}

/** checkEnvelope - what the envelope must hold before cleanup sees it. */
function checkEnvelope(qf: QueueFile, extract: boolean, sizeLimit: number): string | undefined {
  if (sizeLimit > 0 && qf.contentSize > sizeLimit) return `message size ${qf.contentSize} exceeds message_size_limit ${sizeLimit}`;
  if (qf.recipients.length === 0 && !extract) return 'no recipients';
  return badAddress('sender', qf.sender) ?? qf.recipients.map((r) => badAddress('recipient', r.address)).find(Boolean);
}

/** openMaildropFile - open and validate `maildrop/<id>`; the caller closes `file.fd`. */
export function openMaildropFile(spool: Spool, id: string, sizeLimit: number): OpenResult {
  const path = spool.path('maildrop', id);
  let fd: number;
  try {
    fd = fs.openSync(path, OPEN_FLAGS);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return { kind: 'skip' };
    if (code === 'ELOOP') return { kind: 'bad', reason: 'file is a symbolic link' };
    return { kind: 'skip', warning: `open input file maildrop/${id}: ${(err as Error).message}` };
  }
  const fail = (r: OpenResult): OpenResult => {
    fs.closeSync(fd);
    return r;
  };
  const st = fs.fstatSync(fd);
  if (!st.isFile()) return fail({ kind: 'bad', reason: 'not a regular file', uid: st.uid });
  if ((st.mode & 0o100) === 0) return fail({ kind: 'skip' }); // still being written
  if (st.nlink !== 1) return fail({ kind: 'bad', reason: `file has ${st.nlink} hard links`, uid: st.uid });
  const fdPath = PROC_FD ? `/proc/self/fd/${fd}` : path;
  let qf: QueueFile;
  try {
    qf = readQueueFileSync(fdPath);
    if (!PROC_FD) {
      // No /proc: make sure the name still is the file we checked.
      const again = fs.statSync(path);
      if (again.ino !== st.ino || again.dev !== st.dev) return fail({ kind: 'skip' });
    }
  } catch (err) {
    if (isQueueFileError(err, 'corrupt')) return fail({ kind: 'bad', reason: err.reason, uid: st.uid });
    if (isQueueFileError(err, 'incomplete')) return fail({ kind: 'skip' });
    return fail({ kind: 'skip', warning: `read maildrop/${id}: ${(err as Error).message}` });
  }
  const extract = (qf.flags & CLEANUP_FLAG.EXTRACT_RECIPIENTS) !== 0;
  const reason = checkEnvelope(qf, extract, sizeLimit);
  if (reason) return fail({ kind: 'bad', reason, uid: st.uid });
  return { kind: 'ok', file: { id, path, fd, fdPath, st, qf, extract } };
}
