/*
 * templates - the built-in notice texts, in Postfix's words (bounce(5) default
 * templates): failure, delay and success, each with its Subject, the Subject of
 * a postmaster copy and the boiler-plate text. Used by compose.ts.
 * The texts quote $myhostname, delay_warning_time and maximal_queue_lifetime.
 */
import type { BounceSettings } from './settings.js';

export type NoticeKind = 'failure' | 'delay' | 'success';

export interface Template {
  kind: NoticeKind;
  /** The display name in From: (`MAILER-DAEMON@host (Mail Delivery System)`). */
  fromName: string;
  subject: string;
  /** Subject of the postmaster's copy (the success template has none). */
  postmasterSubject: string;
  /** The boiler-plate text, $names already expanded. */
  body(s: BounceSettings): string[];
}

const FOOTER = ['For further assistance, please send mail to postmaster.', '',
  'If you do so, please include this problem report. You can',
  'delete your own text from the attached returned message.', '',
  '                   The mail system'];

const TEMPLATES: Record<NoticeKind, Template> = {
  failure: {
    kind: 'failure',
    fromName: 'Mail Delivery System',
    subject: 'Undelivered Mail Returned to Sender',
    postmasterSubject: 'Postmaster Copy: Undelivered Mail',
    body: (s) => [
      `This is the mail system at host ${s.myhostname}.`, '',
      'I\'m sorry to have to inform you that your message could not',
      'be delivered to one or more recipients. It\'s attached below.', '',
      ...FOOTER,
    ],
  },
  delay: {
    kind: 'delay',
    fromName: 'Mail Delivery System',
    subject: 'Delayed Mail (still being retried)',
    postmasterSubject: 'Postmaster Warning: Delayed Mail',
    body: (s) => [
      `This is the mail system at host ${s.myhostname}.`, '',
      '####################################################################',
      '# THIS IS A WARNING ONLY.  YOU DO NOT NEED TO RESEND YOUR MESSAGE. #',
      '####################################################################', '',
      `Your message could not be delivered for more than ${Math.floor(s.delayWarningTime / 3600)} hour(s).`,
      `It will be retried until it is ${Math.floor(s.maxQueueLifetime / 86400)} day(s) old.`, '',
      ...FOOTER,
    ],
  },
  success: {
    kind: 'success',
    fromName: 'Mail Delivery System',
    subject: 'Successful Mail Delivery Report',
    postmasterSubject: 'Successful Mail Delivery Report',
    body: (s) => [
      `This is the mail system at host ${s.myhostname}.`, '',
      'Your message was successfully delivered to the destination(s)',
      'listed below. If the message was delivered to mailbox you will',
      'receive no further notifications. Otherwise you may still receive',
      'notifications of mail delivery errors from other systems.', '',
      '                   The mail system',
    ],
  },
};

/** template - the built-in template of a notice kind. */
export function template(kind: NoticeKind): Template {
  return TEMPLATES[kind];
}
