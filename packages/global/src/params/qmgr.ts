/*
 * params/qmgr - parameters of qmgr, the queue manager (read by packages/qmgr).
 * Names and defaults are Postfix's. Per-transport forms (`relay_destination_concurrency_limit`,
 * `smtp_initial_destination_concurrency` ...) are resolved through transportParam();
 * local's own limits are declared here because Postfix ships them as defaults.
 */
import { param, type ParamSpec } from './types.js';

export const qmgrParams: readonly ParamSpec[] = [
  param('qmgr_message_active_limit', 'int', '20000', 'The maximal number of messages in the active queue.', { min: 1 }),
  param('qmgr_message_recipient_limit', 'int', '20000',
    'The maximal number of recipients held in memory by the queue manager (a message with more is still taken, alone).', { min: 1 }),
  param('queue_run_delay', 'time', '300s', 'The time between deferred queue scans by the queue manager.', { unit: 's', min: 1 }),
  param('minimal_backoff_time', 'time', '300s',
    'The minimal time between attempts to deliver a deferred message; also how long a dead destination stays suspended.', { unit: 's', min: 1 }),
  param('maximal_backoff_time', 'time', '4000s', 'The maximal time between attempts to deliver a deferred message.', { unit: 's', min: 1 }),
  param('maximal_queue_lifetime', 'time', '5d',
    'Consider a message undeliverable when delivery fails with a temporary error and it has been queued this long (0: try once).', { unit: 'd', min: 0 }),
  param('bounce_queue_lifetime', 'time', '5d',
    'As maximal_queue_lifetime, for mail with the null sender (bounces); such mail is then discarded.', { unit: 'd', min: 0 }),
  param('delay_warning_time', 'time', '0h',
    'Send a delayed-mail warning to the sender when mail is still undelivered after this long (0: never).', { unit: 'h', min: 0 }),
  param('transport_retry_time', 'time', '60s',
    'The time between attempts by the queue manager to contact a delivery transport that failed (mail transport unavailable).', { unit: 's', min: 1 }),
  param('defer_transports', 'list', '',
    'Transports whose mail is not delivered until `postqueue -f`, `postfix flush` or `sendmail -q`.'),
  param('default_destination_concurrency_limit', 'int', '20',
    'The default maximal number of parallel deliveries to the same destination (<transport>_destination_concurrency_limit).', { min: 0 }),
  param('default_destination_recipient_limit', 'int', '50',
    'The default maximal number of recipients per message delivery (<transport>_destination_recipient_limit).', { min: 0 }),
  param('local_destination_concurrency_limit', 'int', '2', 'The maximal number of parallel deliveries via the local transport to the same recipient.', { min: 0 }),
  param('local_destination_recipient_limit', 'int', '1', 'The maximal number of recipients per message delivery via the local transport.', { min: 0 }),
  param('initial_destination_concurrency', 'int', '5',
    'The initial per-destination concurrency level for parallel delivery (<transport>_initial_destination_concurrency).', { min: 1 }),
  param('default_destination_concurrency_failed_cohort_limit', 'int', '1',
    'How many pseudo-cohorts must suffer connection or handshake failure before a destination is considered dead and its mail is deferred for minimal_backoff_time.', { min: 0 }),
  param('default_destination_concurrency_negative_feedback', 'string', '1',
    'The per-destination amount of concurrency negative feedback after a delivery completes with a connection or handshake failure: a number, or `number/concurrency`.'),
  param('default_destination_concurrency_positive_feedback', 'string', '1',
    'The per-destination amount of concurrency positive feedback after a delivery completes without connection or handshake failure: a number, or `number/concurrency`.'),
  param('default_destination_rate_delay', 'time', '0s',
    'The default amount of delay between deliveries to the same destination (concurrency then stays 1; 0: no delay).', { unit: 's', min: 0 }),
  param('bounce_service_name', 'string', 'bounce', 'The name of the delivery status notification service (private/$bounce_service_name).'),
];
