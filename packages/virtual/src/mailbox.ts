/*
 * mailbox - find and fill one virtual mailbox, as Postfix's virtual(8): the recipient is
 * looked up in virtual_mailbox_maps (user+ext@domain, user@domain, then the catch-all
 * @domain); the value is a path under virtual_mailbox_base (trailing `/` = Maildir, else
 * an mbox file); virtual_uid_maps and virtual_gid_maps give the owner (a uid below
 * virtual_minimum_uid is a configuration error). Missing Maildir folders are created.
 * Files are written by this process (as root: created, then given to the owner with
 * fchown) - the base directory is the administrator's, not the users'.
 */
import path from 'node:path';
import {
  deliverMaildir, deliverMbox, envelopeHeaders, isRoot, lookupAddress, MailboxError, mboxFromLine, tableCache,
  type DeliverRecipient, type DeliverRequest, type FileOwner, type LookupTable, type MessageContent,
} from '@mailroom/global';
import type { VirtualSettings } from './settings.js';

export interface Status {
  status: 'sent' | 'deferred' | 'bounced';
  dsn: string;
  reason: string;
  /** For the log: a configuration problem to warn about. */
  warning?: string;
}

const configError = (warning: string): Status => ({ status: 'deferred', dsn: '4.3.0', reason: 'mail system configuration error', warning });

async function find(maps: readonly string[], address: string, s: VirtualSettings): Promise<string | undefined> {
  if (maps.length === 0) return undefined;
  const table: LookupTable = tableCache.openMaps(maps);
  return (await lookupAddress(table, address, { recipientDelimiter: s.recipientDelimiter, localDomain: false }))?.value;
}

/** owner - uid and gid for the recipient, or a configuration error. */
async function owner(s: VirtualSettings, address: string): Promise<FileOwner | Status> {
  const ids: number[] = [];
  for (const [param, maps] of [['virtual_uid_maps', s.uidMaps], ['virtual_gid_maps', s.gidMaps]] as const) {
    const v = (await find(maps, address, s))?.trim();
    if (v === undefined) return configError(`recipient ${address}: not found in ${param}`);
    if (!/^\d+$/.test(v)) return configError(`recipient ${address}: bad ${param === 'virtual_uid_maps' ? 'uid' : 'gid'} ${v} in ${param}`);
    ids.push(Number(v));
  }
  const [uid, gid] = ids as [number, number];
  if (uid < s.minimumUid) return configError(`recipient ${address}: bad uid ${uid} in virtual_uid_maps`);
  return { uid, gid };
}

/** deliverVirtual - deliver one recipient to its virtual mailbox. */
export async function deliverVirtual(s: VirtualSettings, req: DeliverRequest, rcpt: DeliverRecipient, content: MessageContent): Promise<Status> {
  let mailbox: string | undefined;
  let who: FileOwner | Status;
  try {
    mailbox = await find(s.mailboxMaps, rcpt.address, s);
    if (mailbox === undefined) return { status: 'bounced', dsn: '5.1.1', reason: `unknown user: "${rcpt.address}"` };
    who = await owner(s, rcpt.address);
  } catch (err) {
    return { status: 'deferred', dsn: '4.3.0', reason: 'table lookup failure', warning: (err as Error).message };
  }
  if (!('uid' in who)) return who;
  if (!s.base) return configError('virtual_mailbox_base is not set');
  const maildir = mailbox.endsWith('/');
  const file = path.join(s.base, mailbox) + (maildir ? '/' : '');
  const headers = envelopeHeaders({ returnPath: req.sender, originalTo: rcpt.original || rcpt.address, deliveredTo: rcpt.address });
  try {
    if (maildir) {
      await deliverMaildir({ dir: file, headers, content, sizeLimit: s.sizeLimit, owner: who });
      return { status: 'sent', dsn: '2.0.0', reason: 'delivered to maildir' };
    }
    await deliverMbox({
      path: file, fromLine: mboxFromLine(req.sender), headers, content, sizeLimit: s.sizeLimit, lock: s.lock, owner: who,
      requireUid: s.strictOwnership && isRoot() ? who.uid : undefined, dotlockMayFail: true,
    });
    return { status: 'sent', dsn: '2.0.0', reason: 'delivered to mailbox' };
  } catch (err) {
    if (!(err instanceof MailboxError)) throw err;
    const status = err.dsn.startsWith('4') ? 'deferred' : 'bounced';
    return { status, dsn: err.dsn, reason: maildir ? `maildir delivery failed: ${err.message}` : `delivery failed to mailbox ${file}: ${err.message}` };
  }
}
