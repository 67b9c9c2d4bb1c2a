/*
 * wakeup - tell qmgr that incoming/ has new mail (Postfix's mail_stream_finish trigger,
 * `W` on public/qmgr). Many messages committed at once share one trigger: while one
 * is on its way, further requests only mark that another is needed. A failed trigger
 * (qmgr not running) is a warning, at most once a minute; qmgr's own scan finds the mail.
 * Used by session.ts.
 */
import { triggerService, TRIGGER_WAKEUP, type Logger } from '@mailroom/global';

const WARN_EVERY_MS = 60_000;

export class QmgrWakeup {
  private busy = false;
  private again = false;
  private lastWarn = 0;

  constructor(
    private readonly queueDir: string,
    private readonly log: Logger,
    private readonly service = 'public/qmgr',
  ) {}

  /** wake - ask qmgr to scan incoming (soon; never throws). */
  wake(): void {
    if (this.busy) {
      this.again = true;
      return;
    }
    this.busy = true;
    this.again = false;
    triggerService(this.queueDir, this.service, TRIGGER_WAKEUP, 10_000)
      .catch((err: Error) => {
        if (Date.now() - this.lastWarn < WARN_EVERY_MS) return;
        this.lastWarn = Date.now();
        this.log.warn(err.message);
      })
      .finally(() => {
        this.busy = false;
        if (this.again) this.wake();
      });
  }

  /** idle - no trigger is on its way (for tests and orderly exit). */
  get idle(): boolean {
    return !this.busy;
  }
}
