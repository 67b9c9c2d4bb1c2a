/*
 * smtp / lmtp - the SMTP and LMTP delivery agent (Postfix's smtp(8) and lmtp(8)): serves
 * qmgr's delivery requests on the deliver skeleton, one process for many deliveries at
 * once. master.cf command `lmtp` runs this same program in LMTP mode.
 * Parameters: see settings.ts (smtp_* / lmtp_*) and dns_servers.
 */
import path from 'node:path';
import { deliveryAgent } from '@mailroom/global';
import { createAgentState, deliverRequest, type AgentState } from './deliver.js';

const proto = path.basename(process.argv0) === 'lmtp' ? 'lmtp' : 'smtp';
let state: AgentState | undefined;

await deliveryAgent({
  name: proto,
  postInit(ctx) {
    // A broken parameter (dns_servers, a time value) is fatal: the environment is unusable.
    state = createAgentState(ctx, ctx.command === 'lmtp' ? 'lmtp' : proto);
  },
  onStop() {
    state?.cache.closeAll();
  },
  deliver(req, ctx) {
    if (!state) throw new Error('delivery request before initialisation');
    return deliverRequest(req, ctx, state);
  },
});
