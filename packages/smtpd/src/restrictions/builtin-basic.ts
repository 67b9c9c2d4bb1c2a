/*
 * restrictions/builtin-basic - the generic and relay-control restrictions:
 *   permit, reject, defer, defer_if_permit, defer_if_reject,
 *   permit_mynetworks, permit_sasl_authenticated (the client logged in with AUTH),
 *   permit_auth_destination, reject_unauth_destination, defer_unauth_destination,
 *   reject_unlisted_recipient, reject_unlisted_sender.
 * Reads (through RestrictionSettings): reject_code, defer_code, relay_domains_reject_code.
 */
import { RESOLVE_FLAG } from '@mailroom/global';
import { REPLY, reply } from '../replies.js';
import { DUNNO, PERMIT, rejectWith, type CheckContext, type Outcome } from './context.js';
import { refusal, subjectOf } from './words.js';

export type RestrictionFn = (ctx: CheckContext, arg?: string) => Outcome | Promise<Outcome>;

/** Classes for which Postfix is the final destination or a configured relay. */
const AUTHORIZED = new Set(['local', 'alias', 'virtual', 'relay']);

/** authDestination - the recipient may be relayed to: true, false, or a tempfail outcome. */
async function authDestination(ctx: CheckContext): Promise<boolean | Outcome> {
  const rcpt = ctx.req.recipient;
  if (rcpt === undefined) return true;
  const r = await ctx.svc.resolve(ctx.req.sender ?? '', rcpt);
  if (r.flags & RESOLVE_FLAG.FAIL) return rejectWith(REPLY.tempLookup(rcpt));
  return AUTHORIZED.has(r.class) && !(r.flags & RESOLVE_FLAG.ROUTED);
}

async function unauthDestination(ctx: CheckContext, code: number, dsn: string): Promise<Outcome> {
  if (ctx.req.recipient === undefined) return DUNNO;
  const ok = await authDestination(ctx);
  if (typeof ok !== 'boolean') return ok;
  return ok ? DUNNO : rejectWith(reply(code, dsn, `<${ctx.req.recipient}>: Relay access denied`));
}

export const basicRestrictions: Record<string, RestrictionFn> = {
  permit: () => PERMIT,
  reject: (ctx) => rejectWith(refusal(ctx, subjectOf(ctx.stage), ctx.svc.settings.rejectCode, '5.7.1', 'Access denied')),
  defer: (ctx) => rejectWith(refusal(ctx, subjectOf(ctx.stage), ctx.svc.settings.deferCode, '4.7.1', 'Try again later')),
  defer_if_permit: (ctx) => {
    ctx.state.deferIfPermit ??= refusal(ctx, subjectOf(ctx.stage), ctx.svc.settings.deferCode, '4.7.1', 'Try again later');
    return DUNNO;
  },
  defer_if_reject: (ctx) => {
    ctx.state.deferIfReject ??= refusal(ctx, subjectOf(ctx.stage), ctx.svc.settings.deferCode, '4.7.1', 'Try again later');
    return DUNNO;
  },
  permit_mynetworks: async (ctx) => ((await ctx.svc.inMynetworks(ctx.req.client)) ? PERMIT : DUNNO),
  permit_sasl_authenticated: (ctx) => (ctx.req.saslUser ? PERMIT : DUNNO),
  permit_auth_destination: async (ctx) => {
    if (ctx.req.recipient === undefined) return DUNNO;
    const ok = await authDestination(ctx);
    if (typeof ok !== 'boolean') return ok;
    return ok ? PERMIT : DUNNO;
  },
  reject_unauth_destination: (ctx) => unauthDestination(ctx, ctx.svc.settings.relayDomainsRejectCode, '5.7.1'),
  defer_unauth_destination: (ctx) => unauthDestination(ctx, ctx.svc.settings.deferCode, '4.7.1'),
  reject_unlisted_recipient: async (ctx) => {
    if (ctx.req.recipient === undefined) return DUNNO;
    ctx.state.recipientChecked = true;
    const r = await ctx.svc.checkRecipient(ctx.req.recipient);
    return r ? rejectWith(r) : DUNNO;
  },
  reject_unlisted_sender: async (ctx) => {
    if (!ctx.req.sender) return DUNNO;
    ctx.state.senderChecked = true;
    const r = await ctx.svc.checkSender(ctx.req.sender);
    return r ? rejectWith(r) : DUNNO;
  },
};
