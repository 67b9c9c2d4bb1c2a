/*
 * begin - what pickup tells cleanup about a maildrop file (the CleanupBegin message):
 * the envelope the user wrote, filtered, plus the facts only pickup can vouch for.
 *   - The submitting user is the file owner. Only a file owned by root or by the mail
 *     system itself (postsuper requeue, the unprivileged embedded instance) may name
 *     another user in its submit_uid/submit_user attributes.
 *   - Of the file's attributes only those sendmail/postdrop write pass, each checked
 *     (rewrite_context, body, trace_flags, notify_flags, protocol, helo_name); others
 *     are dropped with a warning, as Postfix's postdrop does.
 *   - Arrival time is the file's mtime, clamped as Postfix's pickup clamps it.
 *   - A file owned by root or the mail system may also be a whole queue file that
 *     `postsuper -r` moved back here (as Postfix's requeue): its attributes are kept
 *     as written (client facts for Received: and the rewriting context), its arrival
 *     time is its T record, and mail that came from a network client is not passed as
 *     a local submission. Recipients already delivered (D records) are never sent again.
 * Pure apart from the passwd lookup; used by submit.ts.
 */
import { CLEANUP_FLAG, CLEANUP_FLAG_MASK_EXTERNAL, type CleanupBegin } from '@mailroom/global';
import type { MaildropFile } from './file.js';
import { ownerOf, type OwnerEntry } from './owner.js';

/** Flags of every local submission (Postfix: CLEANUP_FLAG_BOUNCE | CLEANUP_FLAG_MASK_EXTERNAL). */
export const PICKUP_FLAGS = CLEANUP_FLAG.BOUNCE | CLEANUP_FLAG.LOCAL_SUBMISSION | CLEANUP_FLAG_MASK_EXTERNAL;

const HOUR = 3600_000;
const DAY = 24 * HOUR;

export interface BeginResult {
  begin: CleanupBegin;
  /** The submitting user as believed (for `uid=N` in the log). */
  user: OwnerEntry;
  warnings: string[];
}

type AttrCheck = (v: string) => boolean;
const digits: AttrCheck = (v) => /^\d{1,10}$/.test(v);
/** Attributes a user's file may carry, and what their values must look like. */
const ALLOWED: Record<string, AttrCheck> = {
  rewrite_context: (v) => v === 'local' || v === 'remote',
  trace_flags: digits,
  notify_flags: digits,
  protocol: (v) => v === 'SMTP' || v === 'ESMTP',
  helo_name: (v) => /^[\x21-\x7e]{1,255}$/.test(v),
};
/** Attributes about the submitter: believed only from a trusted owner. */
const IDENTITY = new Set(['submit_uid', 'submit_user']);

/** submitter - the user a file speaks for: its owner, or what a trusted owner says. */
function submitter(f: MaildropFile, trustedUids: ReadonlySet<number>, warnings: string[]): OwnerEntry {
  const owner = ownerOf(f.st.uid);
  const claimed = f.qf.attributes.submit_uid;
  if (claimed === undefined || claimed === String(f.st.uid)) return owner;
  if (!trustedUids.has(f.st.uid) || !digits(claimed)) {
    warnings.push(`uid=${f.st.uid}: ignoring submit_uid=${claimed.slice(0, 20)} of a file owned by uid ${f.st.uid}`);
    return owner;
  }
  const who = ownerOf(Number(claimed));
  const name = f.qf.attributes.submit_user;
  return name && /^[\x21-\x7e]{1,64}$/.test(name) ? { ...who, name } : who;
}

/** arrivalTime - the file's mtime; future times become now, as Postfix's pickup does. */
function arrivalTime(f: MaildropFile, now: number, warnings: string[]): number {
  const t = f.st.mtimeMs;
  if (t > now + 2 * HOUR) {
    warnings.push(`message maildrop/${f.id} dated ${Math.round((t - now) / 1000)} seconds into the future`);
    return now;
  }
  if (t < now - DAY) warnings.push(`message maildrop/${f.id} has been queued for ${Math.floor((now - t) / DAY)} days`);
  return Math.floor(t);
}

/** buildBegin - the CleanupBegin for a validated maildrop file. */
export function buildBegin(f: MaildropFile, trustedUids: ReadonlySet<number>, now = Date.now()): BeginResult {
  const warnings: string[] = [];
  const user = submitter(f, trustedUids, warnings);
  const trusted = trustedUids.has(f.st.uid);
  const attributes: Record<string, string> = { origin: 'local', submit_uid: String(user.uid), submit_user: user.name };
  let body: string | undefined;
  for (const [name, value] of Object.entries(f.qf.attributes)) {
    if (IDENTITY.has(name)) continue;
    if (name === 'body' && (value === '7BIT' || value === '8BITMIME')) body = value;
    else if (ALLOWED[name]?.(value) || (trusted && !/[\x00-\x1f\x7f]/.test(value))) attributes[name] = value;
    else warnings.push(`uid=${f.st.uid}: ignoring attribute record: ${name.slice(0, 200)}=${value.slice(0, 200)}`);
  }
  // A requeued message from a network client keeps the rewriting of remote mail.
  const fromNetwork = trusted && f.qf.attributes.client_address !== undefined;
  if (fromNetwork && f.qf.attributes.origin === undefined) delete attributes.origin;
  const t = trusted && f.qf.arrivalTime > 0 && f.qf.arrivalTime <= now + 2 * HOUR ? Math.floor(f.qf.arrivalTime) : arrivalTime(f, now, warnings);
  const begin: CleanupBegin = {
    type: 'begin',
    flags: (fromNetwork ? PICKUP_FLAGS & ~CLEANUP_FLAG.LOCAL_SUBMISSION : PICKUP_FLAGS) | (f.extract ? CLEANUP_FLAG.EXTRACT_RECIPIENTS : 0),
    sender: f.qf.sender,
    recipients: f.qf.recipients.filter((r) => !r.done).map((r) => ({ address: r.address, orcpt: r.orcpt, notify: r.notify })),
    arrivalTime: t,
    attributes,
    envid: f.qf.envid,
    ret: f.qf.ret,
    body,
    senderFullname: f.qf.senderFullname ?? (user.fullname || undefined),
    sizeHint: f.qf.contentSize,
  };
  return { begin, user, warnings };
}
