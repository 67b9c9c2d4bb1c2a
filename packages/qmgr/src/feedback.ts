/*
 * qmgr/feedback - the per-destination concurrency window and its feedback arithmetic
 * (Postfix 2.5+ scheduler, SCHEDULER_README "concurrency feedback"):
 *   - a destination starts at <transport>_initial_destination_concurrency;
 *   - a delivery that completes without a connection or handshake failure is positive
 *     feedback: `success` grows by the feedback amount and every whole unit (the
 *     hysteresis, 1) raises the window by one, up to the transport's
 *     destination_concurrency_limit, and only while the window is actually in use
 *     (window < busy + initial concurrency);
 *   - a failure is negative feedback: `failure` shrinks and every whole unit lowers the
 *     window by one, down to 1; each failure also adds 1/window to the failed pseudo-
 *     cohort count, and at destination_concurrency_failed_cohort_limit the destination
 *     is declared dead (window 0) until it is revived;
 *   - any success resets the failed cohort count.
 * Feedback amounts are `N` or `N/concurrency` (divided by the current window).
 * Pure functions on a plain state object; qmgr/queue.ts owns the state.
 */

/** A parsed feedback amount: `value`, divided by the window when `perConcurrency`. */
export interface Feedback {
  value: number;
  perConcurrency: boolean;
}

/** The limits of one transport that the arithmetic needs. */
export interface FeedbackLimits {
  /** <transport>_initial_destination_concurrency. */
  initial: number;
  /** <transport>_destination_concurrency_limit (0: no limit). */
  limit: number;
  /** <transport>_destination_concurrency_failed_cohort_limit (0: never dead). */
  cohortLimit: number;
  positive: Feedback;
  negative: Feedback;
}

/** The window state of one destination. */
export interface WindowState {
  /** Deliveries allowed at once; 0 means the destination is dead. */
  window: number;
  success: number;
  failure: number;
  failCohorts: number;
}

/** Postfix's feedback hysteresis (a fixed 1). */
const HYSTERESIS = 1;

/** parseFeedback - `1`, `0.5`, `1/concurrency`, `2 / concurrency`; null when malformed. */
export function parseFeedback(text: string): Feedback | null {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(?:\/\s*(concurrency)\s*)?$/i.exec(text);
  if (!m) return null;
  const value = Number(m[1]);
  if (!(value > 0) || value > 1000) return null;
  return { value, perConcurrency: m[2] !== undefined };
}

/** amount - the feedback in units of concurrency for the current window. */
export function amount(fb: Feedback, window: number): number {
  return fb.perConcurrency ? fb.value / Math.max(1, window) : fb.value;
}

/** initialWindow - the state of a new destination. */
export function initialWindow(limits: FeedbackLimits): WindowState {
  const cap = limits.limit > 0 ? Math.min(limits.initial, limits.limit) : limits.initial;
  return { window: Math.max(1, cap), success: 0, failure: 0, failCohorts: 0 };
}

/** isDead - has the destination been declared dead? */
export function isDead(s: WindowState): boolean {
  return s.window <= 0;
}

/** positiveFeedback - a delivery completed without destination failure; `busy` is in flight. */
export function positiveFeedback(s: WindowState, limits: FeedbackLimits, busy: number): void {
  if (isDead(s)) return;
  if ((limits.limit === 0 || limits.limit > s.window) && s.window < busy + limits.initial) {
    const fb = amount(limits.positive, s.window);
    s.success += fb;
    // Overshoot (feedback larger than the hysteresis, rounding): loop, not if.
    while (s.success + fb / 2 >= HYSTERESIS) {
      s.window += HYSTERESIS;
      s.success -= HYSTERESIS;
      s.failure = 0;
    }
    if (limits.limit > 0 && s.window > limits.limit) s.window = limits.limit;
  }
  s.failCohorts = 0;
}

/** negativeFeedback - a delivery found the destination failing; true when it is now dead. */
export function negativeFeedback(s: WindowState, limits: FeedbackLimits): boolean {
  if (isDead(s)) return true;
  s.failCohorts += 1 / s.window;
  if (limits.cohortLimit > 0 && s.failCohorts >= limits.cohortLimit - 1e-9) {
    s.window = 0;
    return true;
  }
  const fb = amount(limits.negative, s.window);
  s.failure -= fb;
  while (s.failure - fb / 2 <= -HYSTERESIS) {
    s.window -= HYSTERESIS;
    s.success = 0;
    s.failure += HYSTERESIS;
  }
  if (s.window < 1) s.window = 1;
  return false;
}

/** revive - a dead destination comes back: concurrency restarts from what is in flight. */
export function revive(s: WindowState, limits: FeedbackLimits, busy: number): void {
  s.window = busy > 0 ? busy : initialWindow(limits).window;
  s.success = 0;
  s.failure = 0;
  s.failCohorts = 0;
}
