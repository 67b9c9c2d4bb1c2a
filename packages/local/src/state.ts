/*
 * state - what one delivery carries down the expansion of a recipient (Postfix's
 * LOCAL_STATE, MSG_ATTR and USER_ATTR): the request, the message, the duplicate filter,
 * the forwarder, and per level the current address, sender, expansion type and the rights
 * that files and commands run with. Outcomes of final destinations are collected per
 * top-level recipient; main.ts turns them into one result (and one log line each).
 */
import type { DeliverRecipient, DeliverRequest, Logger, MessageContent, ServiceContext } from '@mailroom/global';
import type { Forwarder } from './forward.js';
import type { Privs } from './privs.js';
import type { LocalSettings } from './settings.js';

/** How a destination was found: Postfix's EXPAND_TYPE_ALIAS, _FWD, _INCL. */
export type ExpandType = 'alias' | 'forward' | 'include';

/** The outcome of one final destination (a mailbox, a command, a file, a forward). */
export interface Outcome {
  /** The address shown as to=<...> in the log. */
  address: string;
  status: 'sent' | 'deferred' | 'bounced';
  dsn: string;
  reason: string;
  /** relay= of the log line (another transport's, when passed on). */
  relay?: string;
  /** Another agent delivered and logged it (mailbox_transport). */
  loggedElsewhere?: boolean;
}

/** One top-level recipient of the request, with everything its expansion produced. */
export interface Delivery {
  req: DeliverRequest;
  rcpt: DeliverRecipient;
  content: MessageContent;
  /** Addresses in the message's Delivered-To: headers (lower case). */
  loop: ReadonlySet<string>;
  settings: LocalSettings;
  ctx: ServiceContext;
  log: Logger;
  /** Duplicate filter shared by the whole request. */
  dup: DupFilter;
  forwarder: Forwarder;
  outcomes: Outcome[];
}

/** The attributes that change while a recipient is expanded. */
export interface Attr {
  /** Current recipient address (internal form). */
  address: string;
  /** Envelope sender for what is delivered from here on (owner- aliases change it). */
  sender: string;
  /** The Delivered-To: value for forwards, commands and files (the top-level recipient). */
  delivered: string;
  level: number;
  /** Where the current destinations came from; undefined at the top. */
  expType?: ExpandType;
  /** The alias whose expansion gave this address (an alias listing itself means its mailbox). */
  expFrom?: string;
  /** The user whose .forward gave this address (a user listed in it means its mailbox). */
  fwdFrom?: string;
  /** Rights for files and commands found here (alias owner, .forward user, :include: owner). */
  privs?: Privs;
}

/** DupFilter - Postfix's been_here(): remembers destinations, up to duplicate_filter_limit. */
export class DupFilter {
  private readonly seen = new Set<string>();
  constructor(private readonly limit: number) {}

  /** beenHere - true when `key` was seen before (and remembers it when not). */
  beenHere(key: string): boolean {
    if (this.seen.has(key)) return true;
    if (this.limit <= 0 || this.seen.size < this.limit) this.seen.add(key);
    return false;
  }
}

/** record - add an outcome for the current destination. */
export function record(d: Delivery, address: string, status: Outcome['status'], dsn: string, reason: string): Outcome {
  const o: Outcome = { address, status, dsn, reason };
  d.outcomes.push(o);
  return o;
}

/** sent / defer / bounce - record the outcome of a final destination. */
export const sent = (d: Delivery, a: Attr, reason: string, dsn = '2.0.0'): Outcome => record(d, a.address, 'sent', dsn, reason);
export const defer = (d: Delivery, a: Attr, dsn: string, reason: string): Outcome => record(d, a.address, 'deferred', dsn, reason);
export const bounce = (d: Delivery, a: Attr, dsn: string, reason: string): Outcome => record(d, a.address, 'bounced', dsn, reason);

/** fail - defer or bounce by the status class, as Postfix does for mailbox errors. */
export function fail(d: Delivery, a: Attr, dsn: string, reason: string): Outcome {
  return dsn.startsWith('4') ? defer(d, a, dsn, reason) : bounce(d, a, dsn, reason);
}
