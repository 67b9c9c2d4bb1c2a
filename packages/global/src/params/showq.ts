/*
 * params/showq - parameters of the showq daemon and of postqueue/mailq (queue listing
 * and flushing). Read by packages/showq and packages/cli (postqueue.ts, postqueue-*.ts);
 * see docs/showq.md and docs/postqueue.md. showq also reads duplicate_filter_limit
 * (params/local.ts) and empty_address_recipient (params/rewrite.ts).
 */
import { param, type ParamSpec } from './types.js';

export const showqParams: readonly ParamSpec[] = [
  param('showq_service_name', 'string', 'showq',
    'The name of the showq service (its socket is public/$showq_service_name); postqueue -p and -j talk to it.'),
];
