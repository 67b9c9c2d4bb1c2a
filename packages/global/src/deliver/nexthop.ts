/*
 * deliver/nexthop - the status the error, retry and discard transports give every
 * recipient: the next hop is the text (`error:5.1.1 User unknown` in transport_maps),
 * with an RFC 3463 code in front or the transport's default (error 5.0.0, retry 4.0.0,
 * discard 2.0.0). A code of the wrong class is ignored with a warning, as Postfix's
 * bounce_append/defer_append/sent do. Pure; used by the error and discard agents and by
 * qmgr when master.cf has no such service (so both paths log and report the same).
 */
import type { DeliverResult } from '../protocols/deliver.js';

/** The transports whose next hop is a status text, and what they do. */
export const NEXTHOP_STATUS = {
  error: { status: 'bounced', dflt: '5.0.0', what: 'bounce_append' },
  retry: { status: 'deferred', dflt: '4.0.0', what: 'defer_append' },
  discard: { status: 'sent', dflt: '2.0.0', what: 'sent' },
} as const;

export type NexthopTransport = keyof typeof NEXTHOP_STATUS;

export interface NexthopStatus {
  status: DeliverResult['status'];
  dsn: string;
  reason: string;
  /** Set when the text's code was of the wrong class (log it as a warning). */
  warning?: string;
}

/** dsnSplit - `5.1.1 User unknown` → ['5.1.1', 'User unknown'] (Postfix's dsn_split). */
export function dsnSplit(text: string, dflt: string): [string, string] {
  const m = /^([245]\.\d{1,3}\.\d{1,3})(?:\s+|$)(.*)$/s.exec(text.trim());
  return m ? [m[1] as string, (m[2] as string).trim()] : [dflt, text.trim()];
}

/** nexthopStatus - the result of `transport:nexthop` for error, retry or discard. */
export function nexthopStatus(transport: NexthopTransport, nexthop: string): NexthopStatus {
  const spec = NEXTHOP_STATUS[transport];
  let [dsn, reason] = dsnSplit(nexthop, spec.dflt);
  let warning: string | undefined;
  if (dsn[0] !== spec.dflt[0]) {
    warning = `${spec.what}: ignoring dsn code "${dsn}"`;
    dsn = spec.dflt;
  }
  if (!reason) reason = transport === 'discard' ? 'discarded' : 'mail delivery failed';
  return { status: spec.status, dsn, reason, warning };
}

/** isNexthopTransport - error, retry or discard. */
export function isNexthopTransport(name: string): name is NexthopTransport {
  return Object.hasOwn(NEXTHOP_STATUS, name);
}
