/*
 * mailbox/asuser - run one mailbox or file delivery in a short-lived helper process with
 * the recipient's uid and gid, so that the kernel checks every path as it would for that
 * user. A root process cannot switch user for one asynchronous delivery (set*id applies to
 * every thread of the process, the thread pool included), so the local agent uses this for
 * destinations inside directories users control: home-directory mailboxes, `/file/name`
 * destinations. The helper (mailbox/helper.ts) gets the job as JSON in argv and the raw
 * message on standard input, and answers one JSON line. Used by the local delivery agent.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { MessageContent } from './content.js';
import { MailboxError } from './errors.js';
import type { FileOwner } from './files.js';
import type { LockSettings } from './lock.js';
import { feedChild } from './pipe.js';

const HELPER = fileURLToPath(new URL('./helper.js', import.meta.url));
/** A helper that takes longer than this is killed and the delivery deferred. */
const HELPER_TIMEOUT_MS = 600_000;

export type HelperJob =
  | { kind: 'maildir'; dir: string; headers: string; sizeLimit: number }
  | { kind: 'mbox'; path: string; fromLine: string; headers: string; sizeLimit: number; lock: LockSettings; requireUid?: number; dotlockMayFail?: boolean };

/** What the helper prints. */
export type HelperReply = { ok: true; path?: string } | { ok: false; dsn: string; message: string };

/** deliverAsUser - run `job` as `user`; resolves with the delivered path, throws MailboxError. */
export function deliverAsUser(user: FileOwner, job: HelperJob, content: MessageContent): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [HELPER, JSON.stringify(job)], {
      uid: user.uid,
      gid: user.gid,
      cwd: '/',
      env: { PATH: '/usr/bin:/bin', TZ: process.env.TZ ?? '' },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    const timer = setTimeout(() => child.kill('SIGKILL'), HELPER_TIMEOUT_MS);
    child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (err = (err + d).slice(-2000)));
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(new MailboxError('4.3.0', `cannot run delivery helper: ${e.message}`));
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      let reply: HelperReply | undefined;
      try {
        reply = JSON.parse(out.trim().split('\n').pop() ?? '') as HelperReply;
      } catch {
        reply = undefined;
      }
      if (reply?.ok) resolve(reply.path);
      else if (reply) reject(new MailboxError(reply.dsn, reply.message));
      else reject(new MailboxError('4.3.0', `delivery helper failed (${signal ?? `exit ${code}`}): ${err.trim().split('\n').pop() ?? ''}`));
    });
    void feedChild(child.stdin, content.open()).then((ok) => {
      if (!ok) child.kill('SIGKILL'); // reading the queue file failed: no partial message
    });
  });
}
