/*
 * restrictions/context - what a restriction sees: the facts of the request (client,
 * HELO, sender, recipient), the services it may consult (tables, mynetworks, trivial-
 * rewrite's resolve, DNS, recipient validation) and the state one evaluation builds up
 * (defer_if_permit, defer_if_reject, warn_if_reject, HOLD/DISCARD/WARN notes).
 * Tests give the engine a fake CheckServices; smtpd builds the real one in services.ts.
 */
import type { DnsResolver, LookupTable, ResolveReply } from '@mailroom/global';
import type { Reply } from '../replies.js';

/** Where in the SMTP dialogue a list is evaluated. */
export type Stage = 'client' | 'helo' | 'sender' | 'relay' | 'recipient' | 'data' | 'end-of-data';

/** What a reply is about: its `<what>` and `Category rejected` words. */
export type Subject = 'client' | 'reverse-client' | 'helo' | 'sender' | 'recipient' | 'data' | 'end-of-data';

/** The DNS lookups restrictions use (global's DnsResolver; tests give a fake). */
export type DnsLookup = Pick<DnsResolver, 'mx' | 'addresses' | 'txt' | 'ptr'>;

/** Whether a DNS-derived fact is known: found, known absent, or unknown for now. */
export type LookupStatus = 'ok' | 'notfound' | 'tempfail';

export interface ClientFacts {
  /** Verified hostname, or `unknown`. */
  name: string;
  /** Hostname from the PTR record alone, or `unknown`. */
  reverseName: string;
  addr: string;
  port: number;
  nameStatus: LookupStatus;
  reverseStatus: LookupStatus;
}

export interface CheckRequest {
  client: ClientFacts;
  /** HELO/EHLO argument as sent. */
  helo?: string;
  /** Envelope sender, internal form ('' = null sender); undefined before MAIL. */
  sender?: string;
  recipient?: string;
  /** SASL login name, once the client has authenticated. */
  saslUser?: string;
}

/** Reply codes and switches the restrictions use (from main.cf). */
export interface RestrictionSettings {
  accessMapRejectCode: number;
  accessMapDeferCode: number;
  rejectCode: number;
  deferCode: number;
  relayDomainsRejectCode: number;
  unknownAddressRejectCode: number;
  unknownHostnameRejectCode: number;
  unknownClientRejectCode: number;
  mapsRblRejectCode: number;
  invalidHostnameRejectCode: number;
  nonFqdnRejectCode: number;
  /** reject_tempfail_action / unknown_address_tempfail_action. */
  rejectTempfailAction: string;
  unknownAddressTempfailAction: string;
  /** default_rbl_reply, unexpanded. */
  defaultRblReply: string;
  nullAccessLookupKey: string;
  recipientDelimiter: string;
  /** parent_domain_matches_subdomains lists smtpd_access_maps. */
  accessParentMatches: boolean;
}

export interface CheckServices {
  readonly settings: RestrictionSettings;
  /** The client matches $mynetworks. */
  inMynetworks(client: ClientFacts): Promise<boolean>;
  /** An access table; throws TableError when it cannot be opened. */
  table(spec: string): LookupTable;
  /** trivial-rewrite's resolve. */
  resolve(sender: string, address: string): Promise<ResolveReply>;
  readonly dns: DnsLookup;
  /** Recipient validation: undefined when known, else the rejection. */
  checkRecipient(address: string): Promise<Reply | undefined>;
  checkSender(address: string): Promise<Reply | undefined>;
  /** The SASL logins that own a sender address (smtpd_sender_login_maps); undefined: not listed. */
  senderLoginOwners(sender: string): Promise<string[] | undefined>;
  warn(msg: string): void;
}

/** A HOLD, DISCARD, WARN, INFO or reject_warning to log (and, for the first two, to act on). */
export interface Note {
  action: 'hold' | 'discard' | 'warn' | 'info' | 'reject_warning';
  text: string;
}

/** State of one command's evaluation (all lists evaluated for one MAIL, RCPT, DATA...). */
export interface EvalState {
  deferIfPermit?: Reply;
  deferIfReject?: Reply;
  /** warn_if_reject was seen: the next restriction only warns. */
  warnNext: boolean;
  notes: Note[];
  /** reject_unlisted_recipient ran (smtpd_reject_unlisted_recipient need not repeat it). */
  recipientChecked: boolean;
  senderChecked: boolean;
}

/** newEvalState - a fresh state for one command. */
export function newEvalState(): EvalState {
  return { warnNext: false, notes: [], recipientChecked: false, senderChecked: false };
}

export interface CheckContext {
  readonly stage: Stage;
  readonly req: CheckRequest;
  readonly svc: CheckServices;
  readonly state: EvalState;
  /** Nesting of restriction lists returned by access tables. */
  readonly depth: number;
  /** Evaluate a restriction list found in an access table, one level deeper. */
  nested(value: string): Promise<Outcome>;
}

/** Outcome of one restriction or one list. */
export type Outcome = { kind: 'permit' } | { kind: 'dunno' } | { kind: 'reject'; reply: Reply };

export const PERMIT: Outcome = { kind: 'permit' };
export const DUNNO: Outcome = { kind: 'dunno' };

/** rejectWith - the outcome that refuses the request with `reply`. */
export function rejectWith(reply: Reply): Outcome {
  return { kind: 'reject', reply };
}

/**
 * tempfail - a restriction could not decide for a temporary reason: follow
 * reject_tempfail_action-style `action` (defer_if_permit, defer_if_reject or defer).
 */
export function tempfail(ctx: CheckContext, action: string, reply: Reply): Outcome {
  switch (action.trim().toLowerCase()) {
    case 'defer_if_reject':
      ctx.state.deferIfReject ??= reply;
      return DUNNO;
    case 'defer':
      return rejectWith(reply);
    default:
      ctx.state.deferIfPermit ??= reply;
      return DUNNO;
  }
}
