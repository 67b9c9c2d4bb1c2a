/*
 * restrictions/engine - evaluate one restriction list the way Postfix does: restrictions
 * in order, the first that permits or rejects decides the list; DUNNO goes on;
 * warn_if_reject turns the next restriction's reject into a logged warning. A lookup
 * that fails answers 451 (4.3.0 Temporary lookup failure, or 4.3.5 Server configuration
 * error for a table that cannot be opened or a list with mistakes).
 * Used by checks.ts; implementations live in builtin-*.ts and check-access.ts.
 */
import { TableError } from '@mailroom/global';
import { formatReply, REPLY, reply } from '../replies.js';
import { basicRestrictions, type RestrictionFn } from './builtin-basic.js';
import { dnsRestrictions } from './builtin-dns.js';
import { nameRestrictions } from './builtin-names.js';
import { saslRestrictions } from './builtin-sasl.js';
import { accessRestrictions } from './check-access.js';
import { DUNNO, rejectWith, type CheckContext, type CheckRequest, type CheckServices, type EvalState, type Outcome, type Stage } from './context.js';
import { parseRestrictions, type ParsedList } from './list.js';
import { subjectOf, what } from './words.js';

const REGISTRY: Readonly<Record<string, RestrictionFn>> = {
  ...basicRestrictions,
  ...nameRestrictions,
  ...dnsRestrictions,
  ...accessRestrictions,
  ...saslRestrictions,
};

/** How deep restriction lists from access tables may nest (Postfix's limit too). */
const MAX_DEPTH = 100;

/** failure - the outcome of a restriction that threw. */
function failure(ctx: CheckContext, name: string, err: unknown): Outcome {
  const msg = err instanceof Error ? err.message : String(err);
  if (err instanceof TableError) {
    ctx.svc.warn(`${name}: ${msg}`);
    return rejectWith(REPLY.configError());
  }
  ctx.svc.warn(`${name}: lookup error: ${msg}`);
  return rejectWith(reply(451, '4.3.0', `<${what(ctx.req, subjectOf(ctx.stage))}>: Temporary lookup failure`));
}

/** runList - evaluate a parsed list: permit, reject (with its reply) or dunno. */
export async function runList(parsed: ParsedList, ctx: CheckContext): Promise<Outcome> {
  if (parsed.errors.length > 0) {
    for (const e of parsed.errors) ctx.svc.warn(e);
    return rejectWith(REPLY.configError());
  }
  for (const r of parsed.list) {
    if (r.name === 'warn_if_reject') {
      ctx.state.warnNext = true;
      continue;
    }
    const fn = REGISTRY[r.name];
    let out: Outcome;
    try {
      out = fn ? await fn(ctx, r.arg) : rejectWith(REPLY.configError());
    } catch (err) {
      out = failure(ctx, r.name, err);
    }
    if (ctx.state.warnNext) {
      ctx.state.warnNext = false;
      if (out.kind === 'reject') {
        ctx.state.notes.push({ action: 'reject_warning', text: formatReply(out.reply) });
        continue;
      }
    }
    if (out.kind !== 'dunno') return out;
  }
  return DUNNO;
}

/** checkContext - the context of one list evaluation (nested lists one level deeper). */
export function checkContext(stage: Stage, req: CheckRequest, svc: CheckServices, state: EvalState, depth = 0): CheckContext {
  return {
    stage,
    req,
    svc,
    state,
    depth,
    nested(value: string): Promise<Outcome> {
      if (depth >= MAX_DEPTH) {
        svc.warn(`restriction list nesting exceeds ${MAX_DEPTH} levels: ${value}`);
        return Promise.resolve(rejectWith(REPLY.configError()));
      }
      return runList(parseRestrictions(value), checkContext(stage, req, svc, state, depth + 1));
    },
  };
}
