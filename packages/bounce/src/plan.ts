/*
 * plan - which notices one bounce request produces, as Postfix's bounce services
 * decide (bounce_notify_service, bounce_warn_service, bounce_trace_service):
 *
 *   original sender      failure / delay                        success
 *   double-bounce        none (warning: discarded)              none (logged)
 *   '' (a bounce)        to $2bounce_notice_recipient (failure,  to $2bounce_notice_recipient
 *                        if notify_classes has bounce|2bounce)   if notify_classes has 2bounce
 *                        / $delay_notice_recipient (delay)
 *   anyone else          to the sender, recipients filtered by   to the sender, recipients
 *                        NOTIFY (none given = FAILURE,DELAY);    with NOTIFY=SUCCESS
 *                        then a postmaster copy (headers only)
 *                        if notify_classes has bounce / delay
 *
 * Notices to the postmaster come from $double_bounce_sender, so that their own
 * failure is discarded and never loops. Pure; used by service.ts.
 */
import type { BounceRecipient, BounceRequest } from '@mailroom/global';
import type { BounceSettings } from './settings.js';
import type { NoticeKind } from './templates.js';

/** DSN NOTIFY bits (Postfix's dsn_mask.h) and RET values. */
export const NOTIFY = { NEVER: 1, SUCCESS: 2, DELAY: 4, FAILURE: 8 } as const;
export const RET = { FULL: 1, HDRS: 2 } as const;

export interface NoticePlan {
  kind: NoticeKind;
  /** Whom the log line names: `sender non-delivery notification`. */
  audience: 'sender' | 'postmaster';
  /** Envelope sender of the notice: '' or the double-bounce address. */
  envelopeSender: string;
  /** Envelope and To: recipient. */
  recipient: string;
  /** Postmaster copy: its own Subject, Auto-Submitted: auto-generated, no boiler-plate. */
  postmasterCopy: boolean;
  recipients: BounceRecipient[];
  /** Return the full message (still subject to bounce_size_limit) or its headers. */
  returnFull: boolean;
  /** A failure to queue this notice makes the whole request fail (qmgr retries). */
  critical: boolean;
}

export interface Plan {
  notices: NoticePlan[];
  /** A line to log instead (info), or a warning. */
  info?: string;
  warning?: string;
}

/** wants - the recipient asked for this kind of notice (no NOTIFY: FAILURE,DELAY, as Postfix). */
export function wants(r: BounceRecipient, kind: NoticeKind): boolean {
  const mask = r.notify ?? 0;
  if (kind === 'success') return (mask & NOTIFY.SUCCESS) !== 0;
  if (mask === 0) return true;
  return (mask & (kind === 'failure' ? NOTIFY.FAILURE : NOTIFY.DELAY)) !== 0;
}

/** isDoubleBounce - the address is the double-bounce sender (qualified or not). */
export function isDoubleBounce(address: string, s: BounceSettings): boolean {
  const a = address.toLowerCase();
  const full = s.doubleBounceAddress.toLowerCase();
  return a === full || a === full.slice(0, full.lastIndexOf('@'));
}

/** logLabel - the words of the log line: `sender non-delivery notification`. */
export function logLabel(n: NoticePlan): string {
  const what = n.kind === 'failure' ? 'non-delivery notification' : n.kind === 'delay' ? 'delay notification' : 'delivery status notification';
  return `${n.audience} ${what}`;
}

function has(s: BounceSettings, ...classes: string[]): boolean {
  return classes.some((c) => s.notifyClasses.has(c));
}

/** planNotices - the notices for one request (possibly none). */
export function planNotices(req: BounceRequest, s: BounceSettings): Plan {
  const kind = req.kind;
  const all = req.recipients;
  const fromDaemon = (recipient: string, returnFull: boolean, critical: boolean, postmasterCopy = true): NoticePlan => ({
    kind, audience: 'postmaster', envelopeSender: s.doubleBounceAddress, recipient, postmasterCopy,
    recipients: all, returnFull, critical,
  });
  if (all.length === 0) return { notices: [] };
  if (kind === 'success') {
    if (isDoubleBounce(req.sender, s)) return { notices: [], info: 'not sending trace/success notification for double-bounce message' };
    if (req.sender === '') {
      if (!has(s, '2bounce')) return { notices: [], info: 'not sending trace/success notification for single-bounce message' };
      return { notices: [{ ...fromDaemon(s.twoBounceNoticeRecipient, false, true, false), audience: 'sender' }] };
    }
    const mine = all.filter((r) => wants(r, 'success'));
    if (mine.length === 0) return { notices: [] };
    return { notices: [{ kind, audience: 'sender', envelopeSender: '', recipient: req.sender, postmasterCopy: false, recipients: mine, returnFull: false, critical: true }] };
  }
  if (isDoubleBounce(req.sender, s)) return { notices: [], warning: 'undeliverable postmaster notification discarded' };
  const pmClass = kind === 'failure' ? 'bounce' : 'delay';
  const pmRecipient = kind === 'failure' ? s.bounceNoticeRecipient : s.delayNoticeRecipient;
  if (req.sender === '') {
    // A bounce that bounced: the postmaster's last chance to see it, with the whole message.
    const ok = kind === 'failure' ? has(s, 'bounce', '2bounce') : has(s, 'delay');
    if (!ok) return { notices: [] };
    return { notices: [fromDaemon(kind === 'failure' ? s.twoBounceNoticeRecipient : s.delayNoticeRecipient, true, true)] };
  }
  const notices: NoticePlan[] = [];
  const mine = all.filter((r) => wants(r, kind));
  if (mine.length > 0) {
    // Delay warnings return headers only; a failure returns what DSN RET asked (default FULL).
    const returnFull = kind === 'failure' && req.ret !== RET.HDRS;
    notices.push({ kind, audience: 'sender', envelopeSender: '', recipient: req.sender, postmasterCopy: false, recipients: mine, returnFull, critical: true });
  }
  if (has(s, pmClass)) notices.push(fromDaemon(pmRecipient, false, false));
  return { notices };
}
