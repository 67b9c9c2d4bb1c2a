/*
 * params/transport - per-transport parameter names. Postfix lets `<transport>_<suffix>`
 * override a `default_<suffix>` for any delivery transport named in master.cf
 * (e.g. `relay_destination_concurrency_limit`). postconf uses this list to know such
 * names are not typos; the scheduler resolves them through transportParam().
 */
import type { Config } from '../config/types.js';

export const perTransportSuffixes: readonly string[] = [
  'destination_concurrency_limit',
  'destination_recipient_limit',
  'initial_destination_concurrency',
  'destination_concurrency_failed_cohort_limit',
  'destination_concurrency_negative_feedback',
  'destination_concurrency_positive_feedback',
  'destination_rate_delay',
  'extra_recipient_limit',
  'recipient_limit',
  'time_limit',
];

/**
 * transportParam - `<transport>_<suffix>` when main.cf (or `-o`) sets it or the registry
 * declares it with its own default (local_destination_recipient_limit = 1), else
 * `default_<suffix>`.
 */
export function transportParam(config: Config, transport: string, suffix: string): string {
  const own = `${transport}_${suffix}`;
  return config.raw(own) !== undefined ? config.get(own) : config.get(`default_${suffix}`);
}
