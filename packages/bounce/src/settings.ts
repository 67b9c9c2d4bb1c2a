/*
 * settings - the bounce daemon's parameters, read once from the configuration
 * snapshot into a plain object (the composer and planner take this object, so
 * unit tests need no main.cf). Used by main.ts and service.ts.
 * Reads: myhostname, mail_name, bounce_size_limit, notify_classes,
 * bounce_notice_recipient, 2bounce_notice_recipient, delay_notice_recipient,
 * double_bounce_sender, maximal_queue_lifetime, delay_warning_time.
 */
import type { Config, Logger } from '@mailroom/global';

/** The error classes of notify_classes (Postfix's mail_error names). */
export const NOTIFY_CLASS_NAMES = ['bounce', '2bounce', 'delay', 'policy', 'protocol', 'resource', 'software', 'data'] as const;

export interface BounceSettings {
  myhostname: string;
  /** mail_name: the X-<mail_name>-Queue-ID / -Sender field names and Diagnostic-Code type. */
  mailName: string;
  /** bounce_size_limit in bytes; 0: always return the whole message. */
  sizeLimit: number;
  /** notify_classes, lower-cased. */
  notifyClasses: ReadonlySet<string>;
  bounceNoticeRecipient: string;
  twoBounceNoticeRecipient: string;
  delayNoticeRecipient: string;
  /** double_bounce_sender, qualified with @$myhostname as Postfix's mail_addr_double_bounce(). */
  doubleBounceAddress: string;
  /** maximal_queue_lifetime and delay_warning_time, seconds (delay notices quote them). */
  maxQueueLifetime: number;
  delayWarningTime: number;
}

/** qualify - `user` becomes `user@domain`; a qualified address stays as it is. */
export function qualify(address: string, domain: string): string {
  return address === '' || address.includes('@') ? address : `${address}@${domain}`;
}

/** readSettings - the parameters from a configuration snapshot; unknown classes are warned about. */
export function readSettings(config: Config, log?: Logger): BounceSettings {
  const myhostname = config.get('myhostname');
  const classes = new Set(config.getList('notify_classes').map((c) => c.toLowerCase()));
  for (const c of classes) {
    if (!(NOTIFY_CLASS_NAMES as readonly string[]).includes(c)) log?.warn(`unknown notify_classes value "${c}" -- ignored`);
  }
  return {
    myhostname,
    mailName: config.get('mail_name') || 'Mailroom',
    sizeLimit: config.getInt('bounce_size_limit'),
    notifyClasses: classes,
    bounceNoticeRecipient: config.get('bounce_notice_recipient'),
    twoBounceNoticeRecipient: config.get('2bounce_notice_recipient'),
    delayNoticeRecipient: config.get('delay_notice_recipient'),
    doubleBounceAddress: qualify(config.get('double_bounce_sender'), myhostname),
    maxQueueLifetime: config.getTime('maximal_queue_lifetime'),
    delayWarningTime: config.getTime('delay_warning_time'),
  };
}
