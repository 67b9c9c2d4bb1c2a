/*
 * restrictions/checks - which lists run for which SMTP command, as Postfix's smtpd_check:
 *   connect  smtpd_client_restrictions                 (only with smtpd_delay_reject = no)
 *   HELO     smtpd_helo_restrictions                   (only with smtpd_delay_reject = no)
 *   MAIL     smtpd_sender_restrictions                 (only with smtpd_delay_reject = no)
 *   RCPT     [client, helo, sender when delayed], smtpd_relay_restrictions,
 *            smtpd_recipient_restrictions, then smtpd_reject_unlisted_sender/_recipient
 *   DATA     smtpd_data_restrictions
 *   end      smtpd_end_of_data_restrictions
 * A permit ends its own list only; a reject ends the command. At the end, a pending
 * defer_if_permit turns a pass into its 4xx, a pending defer_if_reject turns a 5xx into
 * its 4xx. Reads (through SmtpdLists): the lists, smtpd_delay_reject,
 * smtpd_reject_unlisted_sender, smtpd_reject_unlisted_recipient.
 */
import type { Reply } from '../replies.js';
import { newEvalState, type CheckRequest, type CheckServices, type EvalState, type Outcome, type Stage } from './context.js';
import { checkContext, runList } from './engine.js';
import type { ParsedList } from './list.js';

export interface SmtpdLists {
  client: ParsedList;
  helo: ParsedList;
  sender: ParsedList;
  relay: ParsedList;
  recipient: ParsedList;
  data: ParsedList;
  endOfData: ParsedList;
  delayReject: boolean;
  rejectUnlistedSender: boolean;
  rejectUnlistedRecipient: boolean;
}

export interface CheckResult {
  /** The refusal, or undefined when the command may go on. */
  reply?: Reply;
  /** Notes to log and HOLD/DISCARD to act on. */
  state: EvalState;
}

/** conclude - apply defer_if_permit / defer_if_reject to the final outcome. */
function conclude(out: Outcome, state: EvalState): CheckResult {
  if (out.kind === 'reject') {
    const r = out.reply.code >= 500 && state.deferIfReject ? state.deferIfReject : out.reply;
    return { reply: r, state };
  }
  return state.deferIfPermit ? { reply: state.deferIfPermit, state } : { state };
}

/** runStages - lists in order until one rejects. */
async function runStages(stages: readonly [Stage, ParsedList][], req: CheckRequest, svc: CheckServices, state: EvalState): Promise<Outcome> {
  for (const [stage, list] of stages) {
    if (list.list.length === 0 && list.errors.length === 0) continue;
    const out = await runList(list, checkContext(stage, req, svc, state));
    if (out.kind === 'reject') return out;
  }
  return { kind: 'dunno' };
}

/** Restrictions - the checks of one smtpd process. */
export class Restrictions {
  constructor(
    readonly lists: SmtpdLists,
    private readonly svc: CheckServices,
  ) {}

  private async run(stages: readonly [Stage, ParsedList][], req: CheckRequest, extra?: (state: EvalState) => Promise<Reply | undefined>): Promise<CheckResult> {
    const state = newEvalState();
    const result = conclude(await runStages(stages, req, this.svc, state), state);
    if (result.reply || !extra) return result;
    const r = await extra(state);
    return r ? { reply: r, state } : result;
  }

  /** client - at connect time (smtpd_delay_reject = no). */
  client(req: CheckRequest): Promise<CheckResult> {
    return this.run([['client', this.lists.client]], req);
  }

  /** helo - at HELO/EHLO time (smtpd_delay_reject = no). */
  helo(req: CheckRequest): Promise<CheckResult> {
    return this.run([['helo', this.lists.helo]], req);
  }

  /** sender - at MAIL time (smtpd_delay_reject = no). */
  sender(req: CheckRequest): Promise<CheckResult> {
    return this.run([['sender', this.lists.sender]], req, (state) => this.unlistedSender(req, state));
  }

  /** recipient - at RCPT time: everything delayed, relay control, recipient checks, validation. */
  recipient(req: CheckRequest): Promise<CheckResult> {
    const l = this.lists;
    const delayed: [Stage, ParsedList][] = l.delayReject ? [['client', l.client], ['helo', l.helo], ['sender', l.sender]] : [];
    return this.run([...delayed, ['relay', l.relay], ['recipient', l.recipient]], req, async (state) => {
      if (l.delayReject) {
        const s = await this.unlistedSender(req, state);
        if (s) return s;
      }
      if (!l.rejectUnlistedRecipient || state.recipientChecked || req.recipient === undefined) return undefined;
      return this.svc.checkRecipient(req.recipient);
    });
  }

  /** data - at the DATA command. */
  data(req: CheckRequest): Promise<CheckResult> {
    return this.run([['data', this.lists.data]], req);
  }

  /** endOfData - when the whole message is in. */
  endOfData(req: CheckRequest): Promise<CheckResult> {
    return this.run([['end-of-data', this.lists.endOfData]], req);
  }

  /** vrfy - VRFY: recipient validation only, as Postfix's smtpd_check_addr for VRFY. */
  async vrfy(address: string): Promise<Reply | undefined> {
    return this.svc.checkRecipient(address);
  }

  private unlistedSender(req: CheckRequest, state: EvalState): Promise<Reply | undefined> {
    if (!this.lists.rejectUnlistedSender || state.senderChecked || !req.sender) return Promise.resolve(undefined);
    return this.svc.checkSender(req.sender);
  }
}
