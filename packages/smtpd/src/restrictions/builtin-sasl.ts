/*
 * restrictions/builtin-sasl - restrictions on who may use which sender address, by the
 * SASL login (smtpd_sender_login_maps: sender address -> owning login names):
 *   reject_authenticated_sender_login_mismatch    logged in, and the sender is not owned by the login
 *   reject_known_sender_login_mismatch            logged in and not the owner, or not logged in,
 *                                                 for senders listed in the maps only
 *   reject_unauthenticated_sender_login_mismatch  not logged in, and the sender has an owner
 *   reject_sender_login_mismatch                  both of the first and the last
 * Replies, as Postfix:
 *   553 5.7.1 <a@example.com>: Sender address rejected: not owned by user alice
 *   553 5.7.1 <a@example.com>: Sender address rejected: not logged in
 * The null sender is never checked. (permit_sasl_authenticated is in builtin-basic.ts.)
 */
import { reply } from '../replies.js';
import type { RestrictionFn } from './builtin-basic.js';
import { DUNNO, rejectWith, type CheckContext, type Outcome } from './context.js';

/** ownedBy - the sender's owners include the login (compared without case). */
function ownedBy(owners: readonly string[], login: string): boolean {
  const l = login.toLowerCase();
  return owners.some((o) => o.toLowerCase() === l);
}

async function mismatch(ctx: CheckContext, authenticated: boolean, unauthenticated: boolean, knownOnly: boolean): Promise<Outcome> {
  const sender = ctx.req.sender;
  if (!sender) return DUNNO;
  const login = ctx.req.saslUser;
  if (login && authenticated) {
    const owners = await ctx.svc.senderLoginOwners(sender);
    if (knownOnly && owners === undefined) return DUNNO;
    if (!owners || !ownedBy(owners, login)) return rejectWith(reply(553, '5.7.1', `<${sender}>: Sender address rejected: not owned by user ${login}`));
    return DUNNO;
  }
  if (!login && unauthenticated) {
    const owners = await ctx.svc.senderLoginOwners(sender);
    if (owners && owners.length > 0) return rejectWith(reply(553, '5.7.1', `<${sender}>: Sender address rejected: not logged in`));
  }
  return DUNNO;
}

export const saslRestrictions: Record<string, RestrictionFn> = {
  reject_authenticated_sender_login_mismatch: (ctx) => mismatch(ctx, true, false, false),
  reject_unauthenticated_sender_login_mismatch: (ctx) => mismatch(ctx, false, true, false),
  reject_sender_login_mismatch: (ctx) => mismatch(ctx, true, true, false),
  reject_known_sender_login_mismatch: (ctx) => mismatch(ctx, true, true, true),
};
