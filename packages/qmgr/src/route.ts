/*
 * qmgr/route - route a message's undelivered recipients: resolve each through
 * trivial-rewrite (all of a message's lookups are pipelined on one connection, with
 * the client's short answer cache), then group them per transport and next hop into
 * the scheduler's destination queues. Some recipients never reach an agent:
 *   - resolver failure (no answer, or the FAIL flag): deferred, 4.3.0 address resolver failure;
 *   - a transport in defer_transports (unless flushed): deferred, 4.3.2 deferred transport;
 *   - transports `error`, `retry` and `discard` when master.cf has no such service:
 *     bounced / deferred / sent with the next hop's text (`5.1.1 User unknown`), exactly
 *     as the error and discard agents would (deliver/nexthop); with the service, they go
 *     to the agent like any other transport.
 * Reads (via QmgrSettings): defer_transports.
 */
import type { AddressResolver, DeliverResult, ResolveReply } from '@mailroom/global';
import { isNexthopTransport, nexthopStatus, RESOLVE_FLAG } from '@mailroom/global';
import type { Message, Routed } from './message.js';
import { qmgrResults } from './results.js';

/** Where recipients go that qmgr handles itself: results per (transport, nexthop) group. */
export interface QmgrVerdict {
  transport: string;
  nexthop: string;
  routed: Routed[];
  results: DeliverResult[];
}

export interface RouteDeps {
  resolver: AddressResolver;
  deferTransports: ReadonlySet<string>;
  /** Does master.cf have this transport? */
  hasService(transport: string): boolean;
  /** Queue recipients for delivery. */
  enqueue(m: Message, transport: string, nexthop: string, routed: Routed[]): void;
}

/** verdict - what qmgr does itself with one resolved recipient, if anything. */
function verdict(deps: RouteDeps, m: Message, rep: ResolveReply | Error): { status: DeliverResult['status']; dsn: string; reason: string } | null {
  if (rep instanceof Error || (rep.flags & RESOLVE_FLAG.FAIL) !== 0) return { status: 'deferred', dsn: '4.3.0', reason: 'address resolver failure' };
  if (!m.flush && deps.deferTransports.has(rep.transport)) return { status: 'deferred', dsn: '4.3.2', reason: 'deferred transport' };
  if (deps.hasService(rep.transport) || !isNexthopTransport(rep.transport)) return null;
  // The same status and text the error/discard agents give (deliver/nexthop).
  const { status, dsn, reason, warning } = nexthopStatus(rep.transport, rep.nexthop);
  if (warning) m.log.warn(`${m.id}: ${warning}`);
  return { status, dsn, reason };
}

/**
 * routeMessage - resolve and queue every undelivered recipient; returns what qmgr
 * must record itself. The caller counts these as outstanding too.
 */
export async function routeMessage(deps: RouteDeps, m: Message): Promise<QmgrVerdict[]> {
  const pending = m.pending();
  const sender = m.file.sender;
  const replies = await Promise.all(
    pending.map((r) => deps.resolver.resolve(sender, r.address).catch((err: unknown) => (err instanceof Error ? err : new Error(String(err))))),
  );
  const groups = new Map<string, { transport: string; nexthop: string; routed: Routed[] }>();
  const own = new Map<string, QmgrVerdict>();
  pending.forEach((rcpt, i) => {
    const rep = replies[i] as ResolveReply | Error;
    const v = verdict(deps, m, rep);
    const transport = rep instanceof Error ? 'none' : rep.transport;
    const nexthop = rep instanceof Error ? '' : rep.nexthop;
    const routed: Routed = { rcpt, address: rep instanceof Error ? rcpt.address : rep.recipient || rcpt.address };
    if (v) {
      const key = `${transport}\0${nexthop}\0${v.status}\0${v.dsn}\0${v.reason}`;
      let g = own.get(key);
      if (!g) own.set(key, (g = { transport, nexthop, routed: [], results: [] }));
      g.routed.push(routed);
      g.results.push(...qmgrResults([routed], v.status, v.dsn, v.reason));
      return;
    }
    const key = `${transport}\0${nexthop.toLowerCase()}`;
    let g = groups.get(key);
    if (!g) groups.set(key, (g = { transport, nexthop, routed: [] }));
    g.routed.push(routed);
  });
  for (const g of groups.values()) deps.enqueue(m, g.transport, g.nexthop, g.routed);
  return [...own.values()];
}
