/*
 * qmgr/settings - the queue manager's parameters, read once at start into typed
 * settings, and each transport's limits (computed when the transport is first used).
 * Reads: qmgr_message_active_limit, qmgr_message_recipient_limit, queue_run_delay,
 * minimal_backoff_time, maximal_backoff_time, maximal_queue_lifetime,
 * bounce_queue_lifetime, delay_warning_time, transport_retry_time, defer_transports,
 * bounce_service_name, ipc_timeout/ipc_idle/ipc_ttl, default_process_limit, and per
 * transport: <transport>_destination_concurrency_limit, _destination_recipient_limit,
 * _initial_destination_concurrency, _destination_concurrency_failed_cohort_limit,
 * _destination_concurrency_{positive,negative}_feedback, _destination_rate_delay
 * (falling back to the default_* forms), and the transport's master.cf maxproc.
 */
import { ipcOptions, transportParam, type Config, type IpcClientOptions, type Logger, type MasterEntry } from '@mailroom/global';
import { parseFeedback, type Feedback, type FeedbackLimits } from './feedback.js';

export interface QmgrSettings {
  activeLimit: number;
  recipientLimit: number;
  /** Seconds. */
  queueRunDelay: number;
  minBackoff: number;
  maxBackoff: number;
  maxQueueLifetime: number;
  bounceQueueLifetime: number;
  delayWarningTime: number;
  transportRetryTime: number;
  deferTransports: ReadonlySet<string>;
  bounceService: string;
  ipc: Required<IpcClientOptions>;
}

/** qmgrSettings - the global settings. */
export function qmgrSettings(config: Config): QmgrSettings {
  return {
    activeLimit: config.getInt('qmgr_message_active_limit'),
    recipientLimit: config.getInt('qmgr_message_recipient_limit'),
    queueRunDelay: config.getTime('queue_run_delay'),
    minBackoff: config.getTime('minimal_backoff_time'),
    maxBackoff: config.getTime('maximal_backoff_time'),
    maxQueueLifetime: config.getTime('maximal_queue_lifetime'),
    bounceQueueLifetime: config.getTime('bounce_queue_lifetime'),
    delayWarningTime: config.getTime('delay_warning_time'),
    transportRetryTime: config.getTime('transport_retry_time'),
    deferTransports: new Set(config.getList('defer_transports')),
    bounceService: config.get('bounce_service_name'),
    ipc: ipcOptions(config),
  };
}

export interface TransportSettings {
  name: string;
  /** Parallel deliveries over this transport (master.cf maxproc; Infinity for 0). */
  processLimit: number;
  /** Recipients per delivery request (Infinity for 0). */
  recipientLimit: number;
  feedback: FeedbackLimits;
  /** Seconds between deliveries to one destination (0: none). */
  rateDelay: number;
}

function intParam(name: string, value: string, log: Logger, fallback: number): number {
  if (/^\d+$/.test(value.trim())) return Number(value.trim());
  log.warn(`${name}: bad numerical value: "${value}" -- using ${fallback}`);
  return fallback;
}

function feedbackParam(config: Config, transport: string, suffix: string, log: Logger): Feedback {
  const text = transportParam(config, transport, suffix);
  const fb = parseFeedback(text);
  if (fb) return fb;
  log.warn(`${transport}_${suffix}: bad feedback value: "${text}" -- using 1`);
  return { value: 1, perConcurrency: false };
}

/** timeParam - `<transport>_destination_rate_delay` style time value in seconds. */
function timeParam(config: Config, transport: string, suffix: string, log: Logger): number {
  const own = `${transport}_${suffix}`;
  if (config.raw(own) === undefined) return config.getTime(`default_${suffix}`);
  const m = /^(\d+)([smhdw]?)$/.exec(config.get(own).trim());
  if (!m) {
    log.warn(`${own}: bad time value: "${config.get(own)}" -- using 0`);
    return 0;
  }
  const unit = { '': 1, s: 1, m: 60, h: 3600, d: 86400, w: 604800 }[m[2] as '' | 's'] ?? 1;
  return Number(m[1]) * unit;
}

/** transportSettings - the limits of one transport. */
export function transportSettings(config: Config, name: string, master: readonly MasterEntry[], log: Logger): TransportSettings {
  const entry = master.find((e) => e.service === name && e.type === 'unix');
  const maxproc = entry ? (entry.maxproc ?? config.getInt('default_process_limit')) : 1;
  const get = (suffix: string, fallback: number): number =>
    intParam(`${name}_${suffix}`, transportParam(config, name, suffix), log, fallback);
  const initOwn = `${name}_initial_destination_concurrency`;
  const initial = intParam(initOwn, config.isSet(initOwn) ? config.get(initOwn) : config.get('initial_destination_concurrency'), log, 5);
  const recipients = get('destination_recipient_limit', 50);
  return {
    name,
    processLimit: maxproc > 0 ? maxproc : Infinity,
    recipientLimit: recipients > 0 ? recipients : Infinity,
    feedback: {
      initial: Math.max(1, initial),
      limit: get('destination_concurrency_limit', 20),
      cohortLimit: get('destination_concurrency_failed_cohort_limit', 1),
      positive: feedbackParam(config, name, 'destination_concurrency_positive_feedback', log),
      negative: feedbackParam(config, name, 'destination_concurrency_negative_feedback', log),
    },
    rateDelay: timeParam(config, name, 'destination_rate_delay', log),
  };
}
