/*
 * wakeup - master's wakeup timers (master.cf's wakeup field, Postfix's master_wakeup):
 * every N seconds a `W` trigger is written to the service's socket; with `N?` only once
 * the service has been used. pickup (60 s) and qmgr (300 s) rely on it.
 */
import { sendTrigger, TRIGGER_WAKEUP, type Logger, type TriggerTarget } from '@mailroom/global';

/** WakeupTimer - one service's timer; rearm on reload, stop on shutdown. */
export class WakeupTimer {
  private timer: NodeJS.Timeout | undefined;

  /** arm - (re)start the timer; `used()` says whether the service has had clients. */
  arm(key: string, seconds: number, conditional: boolean, target: TriggerTarget, used: () => boolean, log: Logger): void {
    this.stop();
    if (seconds <= 0) return;
    this.timer = setInterval(() => {
      if (conditional && !used()) return;
      sendTrigger(target, TRIGGER_WAKEUP, 5_000).catch((err: Error) => log.warn(`warning: wakeup service ${key}: ${err.message}`));
    }, seconds * 1000);
  }

  /** stop - no more wakeups. */
  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }
}
