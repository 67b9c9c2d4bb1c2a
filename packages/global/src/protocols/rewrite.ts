/*
 * protocols/rewrite - requests to trivial-rewrite over `$queue_directory/private/rewrite`
 * (newline-delimited JSON, replies in order, connection reused):
 *   rewrite: an address to standard form under a rule set (`local`: append
 *            @$myorigin, .$mydomain ...; `remote`: as `local` but without appending
 *            our domains, for remote_header_rewrite_domain cases);
 *   resolve: a recipient to its address class, delivery transport, next hop and
 *            the recipient to give that transport.
 * Callers: smtpd (recipient validation, reject_unauth_destination), cleanup
 * (standard form), qmgr (routing), local/virtual (further addresses).
 */
import { defineCodec, int, literal, object, optional, str, union } from '../ipc/codec.js';

/** Address classes of Postfix's ADDRESS_CLASS_README. */
export const ADDRESS_CLASSES = ['local', 'alias', 'virtual', 'relay', 'default'] as const;
export type AddressClass = (typeof ADDRESS_CLASSES)[number];

/** Bits of ResolveReply.flags (Postfix's RESOLVE_FLAG_* and RESOLVE_CLASS_*). */
export const RESOLVE_FLAG = {
  /** Routed with a source route or percent hack, or other suspicious syntax. */
  ROUTED: 1 << 0,
  /** Lookup error: the caller should defer (tempfail). */
  FAIL: 1 << 1,
  /** Address syntax error. */
  ERROR: 1 << 2,
} as const;

const rewriteReq = object({ op: literal('rewrite'), rule: literal('local', 'remote'), address: str });
const resolveReq = object({
  op: literal('resolve'),
  /** The envelope sender, for sender_dependent_* lookups; '' when none. */
  sender: optional(str),
  address: str,
});
export type RewriteRequest = ReturnType<typeof rewriteReq>;
export type ResolveRequest = ReturnType<typeof resolveReq>;
export type TrivialRewriteRequest = RewriteRequest | ResolveRequest;

const rewriteRep = object({ op: literal('rewrite'), address: str, flags: int });
const resolveRep = object({
  op: literal('resolve'),
  /** Address class of the recipient's domain. */
  class: literal(...ADDRESS_CLASSES),
  /** Transport name (a master.cf service): local, virtual, relay, smtp, error, discard, ... */
  transport: str,
  /** Next hop: a domain, `[host]:port`, `inet:host:port`, `unix:/path`, or error text. */
  nexthop: str,
  /** The recipient in the form the transport gets it (standard form). */
  recipient: str,
  flags: int,
});
export type RewriteReply = ReturnType<typeof rewriteRep>;
export type ResolveReply = ReturnType<typeof resolveRep>;
export type TrivialRewriteReply = RewriteReply | ResolveReply;

export const trivialRewriteRequestCodec = defineCodec<TrivialRewriteRequest>(
  'trivial-rewrite request',
  union<TrivialRewriteRequest>('op', { rewrite: rewriteReq, resolve: resolveReq }),
);
export const trivialRewriteReplyCodec = defineCodec<TrivialRewriteReply>(
  'trivial-rewrite reply',
  union<TrivialRewriteReply>('op', { rewrite: rewriteRep, resolve: resolveRep }),
);
