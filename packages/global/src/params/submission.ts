/*
 * params/submission - parameters of sendmail, postdrop and pickup (local submission).
 * Read by packages/cli (sendmail, postdrop) and packages/pickup; see docs/sendmail.md,
 * docs/postdrop.md and docs/pickup.md.
 */
import { param, type ParamSpec } from './types.js';

export const submissionParams: readonly ParamSpec[] = [
  param('sendmail_fix_line_endings', 'string', 'always',
    'How sendmail converts <CR><LF> line endings to <LF>: always, strict (as the first line does) or never.'),
  param('pickup_service_name', 'string', 'pickup',
    'Name of the pickup service: postdrop wakes public/$pickup_service_name after a submission.'),
  param('trigger_timeout', 'time', '10s',
    'Time limit for sending a trigger to a daemon (postdrop waking pickup).', { unit: 's', min: 1 }),
];
